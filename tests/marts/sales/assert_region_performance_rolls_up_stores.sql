-- Rule: a region's net revenue, previous net revenue and orders are the sums over its stores
-- in store_performance (an order is at one store), every store's region is in
-- region_performance, and the store shares of net revenue add up to at most 1. Returns the
-- regions that do not roll up, and a row if the shares exceed 1.
with

stores as (

    select * from {{ ref('store_performance') }}

),

regions as (

    select * from {{ ref('region_performance') }}

),

store_sums as (

    select
        region,
        count(*) as store_count,
        sum(net_revenue) as net_revenue,
        sum(previous_net_revenue) as previous_net_revenue,
        sum(orders) as orders
    from stores
    group by region

),

mismatches as (

    select
        coalesce(regions.region, store_sums.region) as region,
        regions.net_revenue as region_net_revenue,
        store_sums.net_revenue as store_net_revenue
    from regions
    full outer join store_sums
        on regions.region = store_sums.region
    where
        regions.net_revenue is distinct from store_sums.net_revenue
        or regions.previous_net_revenue is distinct from store_sums.previous_net_revenue
        or regions.orders is distinct from store_sums.orders
        or regions.store_count < store_sums.store_count

    union all

    select
        'all stores' as region,
        1 as region_net_revenue,
        sum(share_of_net_revenue) as store_net_revenue
    from stores
    having sum(share_of_net_revenue) > 1.000001

)

select * from mismatches
