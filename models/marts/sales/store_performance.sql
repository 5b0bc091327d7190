{#- Each store over the current performance window, with its share, rank and growth (logic:
    int_sales_windows_aggregated). -#}

with

performance as (

    select * from {{ ref('int_sales_windows_aggregated') }}
    where grouping_level = 'store'

),

stores as (

    select * from {{ ref('dim_stores') }}

),

final as (

    select
        performance.member_id as store_id,
        stores.store_name,
        stores.region,
        stores.channel,
        performance.window_start_date,
        performance.window_end_date,
        performance.net_revenue,
        performance.orders,
        performance.active_customers,
        performance.revenue_per_customer,
        performance.average_order_value,
        performance.share_of_net_revenue,
        performance.net_revenue_rank,
        performance.previous_net_revenue,
        performance.net_revenue_growth,
        performance.recent_net_revenue,
        performance.previous_recent_net_revenue,
        performance.recent_net_revenue_growth,
        performance.first_sale_date,
        performance.last_sale_date
    from performance
    inner join stores
        on performance.member_id = stores.store_id

)

select * from final
