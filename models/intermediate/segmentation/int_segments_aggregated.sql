{#- Each segment's own history up to as_of_date, in additive parts (so a campaign that targets
    several segments can add them up): the sums of int_customer_targets_joined by segment. -#}
with

customer_targets as (

    select * from {{ ref('int_customer_targets_joined') }}

),

final as (

    select
        customer_targets.cluster_id,
        cast(count(*) as integer) as customer_count,
        cast(sum(customer_targets.order_count) as integer) as order_count,
        cast(sum(customer_targets.net_revenue) as {{ money_type() }}) as net_revenue,
        cast(sum(customer_targets.net_revenue_with_known_cost) as {{ money_type() }})
            as net_revenue_with_known_cost,
        cast(sum(customer_targets.margin_amount) as {{ money_type() }}) as margin_amount
    from customer_targets
    group by customer_targets.cluster_id

)

select * from final
