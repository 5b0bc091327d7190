{#- Value tiers by net revenue rank (see doc def_value_tier). The cuts compare integers,
    (rank - 1) x 100 < share x N, so no rounded float decides a tier. -#}
with

customers as (

    select * from {{ ref('int_customers_aggregated') }}

),

ranked as (

    select
        customer_id,
        net_revenue,
        rank() over (order by net_revenue desc) as net_revenue_rank,
        count(*) over () as customer_count
    from customers

),

final as (

    select
        customer_id,
        net_revenue,
        cast(net_revenue_rank as integer) as net_revenue_rank,
        (net_revenue_rank - 1) * 100 < 10 * customer_count as is_top_10_percent,
        case
            when (net_revenue_rank - 1) * 100 < 20 * customer_count then 'high'
            when (net_revenue_rank - 1) * 100 < 50 * customer_count then 'medium'
            else 'low'
        end as value_tier
    from ranked

)

select * from final
