{#- Acquisition cohorts (doc def_cohort): every cohort has a row for each month from its
    acquisition month to the month of as_of_date, active or not, so retention reads 0 rather
    than missing. Lines before a customer's first order (cancellations of orders older than the
    export) are in no cell. -#}
with

customer_months as (

    select * from {{ ref('int_customer_months_aggregated') }}

),

months as (

    select * from {{ ref('int_months_observed') }}

),

cohort_sizes as (

    select
        first_order_month as cohort_month,
        count(distinct customer_id) as cohort_customers
    from customer_months
    where first_order_month is not null
    group by first_order_month

),

cohort_activity as (

    select
        first_order_month as cohort_month,
        month_start_date,
        count(case when order_count > 0 then customer_id end) as active_customers,
        sum(net_revenue) as net_revenue
    from customer_months
    where months_since_first_order >= 0
    group by first_order_month, month_start_date

),

grid as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        months.month_start_date,
        months.is_complete_month
    from cohort_sizes
    inner join months
        on cohort_sizes.cohort_month <= months.month_start_date

),

filled as (

    select
        grid.cohort_month,
        grid.month_start_date,
        grid.is_complete_month,
        {{ dbt.datediff(
            'grid.cohort_month', 'grid.month_start_date', 'month'
        ) }} as months_since_first_order,
        grid.cohort_customers,
        coalesce(cohort_activity.active_customers, 0) as active_customers,
        coalesce(cohort_activity.net_revenue, 0) as net_revenue
    from grid
    left join cohort_activity
        on
            grid.cohort_month = cohort_activity.cohort_month
            and grid.month_start_date = cohort_activity.month_start_date

),

cumulated as (

    select
        *,
        sum(net_revenue) over (
            partition by cohort_month
            order by month_start_date
            rows between unbounded preceding and current row
        ) as cumulative_net_revenue
    from filled

),

final as (

    select
        cumulated.cohort_month,
        cast(cumulated.months_since_first_order as integer) as months_since_first_order,
        cumulated.month_start_date as activity_month,
        cumulated.is_complete_month,
        cast(cumulated.cohort_customers as integer) as cohort_customers,
        cast(cumulated.active_customers as integer) as active_customers,
        {{ ratio('cumulated.active_customers', 'cumulated.cohort_customers') }} as retention_rate,
        cast(cumulated.net_revenue as {{ money_type() }}) as net_revenue,
        cast(cumulated.cumulative_net_revenue as {{ money_type() }}) as cumulative_net_revenue,
        {{ money_from_float(ratio('cumulated.cumulative_net_revenue', 'cumulated.cohort_customers')) }}
            as cumulative_net_revenue_per_customer
    from cumulated

)

select * from final
