-- Rule: over the performance window, the products of a category add up to the category in
-- category_performance (net revenue, gross sales, returns, units sold and returned, the
-- product count), its top product is its rank-1 product, and the A/B/C classes of all products
-- hold about 80 % / 15 % / 5 % of positive net revenue (A reaches 80 % but its last product
-- is what crosses it). Returns the categories that disagree and a row for a broken ABC split.
with

products as (

    select * from {{ ref('product_performance') }}

),

categories as (

    select * from {{ ref('category_performance') }}

),

product_sums as (

    select
        category,
        count(*) as product_count,
        sum(net_revenue) as net_revenue,
        sum(gross_sales) as gross_sales,
        sum(returns_amount) as returns_amount,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        max(case when rank_in_category = 1 then product_id end) as top_product_id
    from products
    group by category

),

abc as (

    select
        sum(case when abc_class = 'A' and net_revenue > 0 then net_revenue else 0 end)
        / nullif(sum(case when net_revenue > 0 then net_revenue else 0 end), 0) as a_share,
        sum(case when abc_class in ('A', 'B') and net_revenue > 0 then net_revenue else 0 end)
        / nullif(sum(case when net_revenue > 0 then net_revenue else 0 end), 0) as ab_share,
        max(case when abc_class = 'A' then net_revenue_rank end) as last_a_rank,
        min(case when abc_class != 'A' then net_revenue_rank end) as first_other_rank
    from products

),

mismatches as (

    select
        coalesce(categories.category, product_sums.category) as category,
        categories.net_revenue as category_net_revenue,
        product_sums.net_revenue as product_net_revenue
    from categories
    full outer join product_sums
        on categories.category = product_sums.category
    where
        categories.net_revenue is distinct from product_sums.net_revenue
        or categories.gross_sales is distinct from product_sums.gross_sales
        or categories.returns_amount is distinct from product_sums.returns_amount
        or categories.units_sold is distinct from product_sums.units_sold
        or categories.units_returned is distinct from product_sums.units_returned
        or categories.product_count is distinct from product_sums.product_count
        or categories.top_product_id is distinct from product_sums.top_product_id

    union all

    select
        'ABC split' as category,
        abc.a_share as category_net_revenue,
        abc.ab_share as product_net_revenue
    from abc
    where
        abc.a_share < 0.80
        or abc.ab_share < 0.95
        or abc.last_a_rank > abc.first_other_rank

)

select * from mismatches
