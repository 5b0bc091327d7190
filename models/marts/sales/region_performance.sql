{#- Each region (the regional roll-up of store_performance) over the current performance window,
    with its share, rank and growth (logic: int_sales_windows_aggregated). -#}

with

performance as (

    select * from {{ ref('int_sales_windows_aggregated') }}
    where grouping_level = 'region'

),

final as (

    select
        member_id as region,
        store_count,
        window_start_date,
        window_end_date,
        net_revenue,
        orders,
        active_customers,
        revenue_per_customer,
        average_order_value,
        share_of_net_revenue,
        net_revenue_rank,
        previous_net_revenue,
        net_revenue_growth,
        recent_net_revenue,
        previous_recent_net_revenue,
        recent_net_revenue_growth,
        first_sale_date,
        last_sale_date
    from performance

)

select * from final
