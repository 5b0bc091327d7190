{#- The Pareto view of the value tiers: each tier's share of customers and of net revenue, and
    the running totals from the high tier down. Every tier has a row, empty or not. -#}
with

tiered_customers as (

    select * from {{ ref('int_customers_tiered') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

tiers as (

    select
        tier_values.value_tier,
        tier_values.value_tier_order,
        tier_values.tier_rule
    from (
        values
        ('high', 1, 'top 20% of customers by net revenue'),
        ('medium', 2, 'next 30% (20% to 50%)'),
        ('low', 3, 'bottom 50%')
    ) as tier_values (value_tier, value_tier_order, tier_rule)

),

tier_totals as (

    select
        value_tier,
        count(*) as customer_count,
        sum(net_revenue) as net_revenue,
        min(net_revenue) as min_net_revenue,
        max(net_revenue) as max_net_revenue,
        sum(case when is_top_10_percent then 1 else 0 end) as top_10_percent_customer_count,
        sum(case when is_top_10_percent then net_revenue else 0 end) as top_10_percent_net_revenue
    from tiered_customers
    group by value_tier

),

filled as (

    select
        tiers.value_tier,
        tiers.value_tier_order,
        tiers.tier_rule,
        coalesce(tier_totals.customer_count, 0) as customer_count,
        coalesce(tier_totals.net_revenue, 0) as net_revenue,
        tier_totals.min_net_revenue,
        tier_totals.max_net_revenue,
        coalesce(tier_totals.top_10_percent_customer_count, 0) as top_10_percent_customer_count,
        coalesce(tier_totals.top_10_percent_net_revenue, 0) as top_10_percent_net_revenue
    from tiers
    left join tier_totals
        on tiers.value_tier = tier_totals.value_tier

),

running as (

    select
        *,
        sum(customer_count) over () as total_customer_count,
        sum(net_revenue) over () as total_net_revenue,
        sum(customer_count) over (
            order by value_tier_order rows between unbounded preceding and current row
        ) as cumulative_customer_count,
        sum(net_revenue) over (
            order by value_tier_order rows between unbounded preceding and current row
        ) as cumulative_net_revenue
    from filled

),

final as (

    select
        running.value_tier,
        cast(running.value_tier_order as integer) as value_tier_order,
        running.tier_rule,
        as_of_date.as_of_date,
        cast(running.customer_count as integer) as customer_count,
        {{ ratio('running.customer_count', 'running.total_customer_count') }} as share_of_customers,
        cast(running.net_revenue as {{ money_type() }}) as net_revenue,
        {{ ratio('running.net_revenue', 'running.total_net_revenue') }} as share_of_net_revenue,
        {{ ratio('running.cumulative_customer_count', 'running.total_customer_count') }}
            as cumulative_share_of_customers,
        {{ ratio('running.cumulative_net_revenue', 'running.total_net_revenue') }}
            as cumulative_share_of_net_revenue,
        {{ money_from_float(ratio('running.net_revenue', 'running.customer_count')) }}
            as average_net_revenue,
        cast(running.min_net_revenue as {{ money_type() }}) as min_net_revenue,
        cast(running.max_net_revenue as {{ money_type() }}) as max_net_revenue,
        cast(running.top_10_percent_customer_count as integer) as top_10_percent_customer_count,
        cast(running.top_10_percent_net_revenue as {{ money_type() }}) as top_10_percent_net_revenue
    from running
    cross join as_of_date

)

select * from final
