{#- Monthly customer flows (doc def_retention_flows): active = new + returning + reactivated,
    churned by the var churn_window_days, and month-on-month retention. -#}
{%- set churn_window_days = var('churn_window_days') | int %}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

months as (

    select * from {{ ref('int_months_observed') }}

),

customer_orders as (

    select
        orders.customer_id,
        orders.invoice_id,
        orders.invoiced_at,
        orders.invoice_date,
        cast({{ dbt.date_trunc('month', 'orders.invoice_date') }} as date) as month_start_date
    from orders
    cross join as_of_date
    where
        orders.invoice_type = 'order'
        and orders.customer_id is not null

),

sequenced as (

    select
        *,
        lag(invoice_date) over (
            partition by customer_id order by invoiced_at, invoice_id
        ) as previous_order_date,
        lead(invoice_date) over (
            partition by customer_id order by invoiced_at, invoice_id
        ) as next_order_date,
        row_number() over (
            partition by customer_id, month_start_date order by invoiced_at, invoice_id
        ) as order_in_month
    from customer_orders

),

active_months as (

    {#- A customer's status in a month is decided by their first order of the month. -#}
    select
        customer_id,
        month_start_date,
        case
            when previous_order_date is null then 'new'
            when
                {{ dbt.datediff('previous_order_date', 'invoice_date', 'day') }}
                > {{ churn_window_days }}
                then 'reactivated'
            else 'returning'
        end as activity_status,
        lag(month_start_date) over (
            partition by customer_id order by month_start_date
        ) as previous_active_month
    from sequenced
    where order_in_month = 1

),

churn_events as (

    {#- The day after churn_window_days without an order, counted once it has happened. -#}
    select
        sequenced.customer_id,
        cast({{ dbt.date_trunc(
            'month', dbt.dateadd('day', churn_window_days + 1, 'sequenced.invoice_date')
        ) }} as date) as month_start_date
    from sequenced
    cross join as_of_date
    where
        (
            sequenced.next_order_date is null
            or {{ dbt.datediff('sequenced.invoice_date', 'sequenced.next_order_date', 'day') }}
            > {{ churn_window_days }}
        )
        and cast({{ dbt.dateadd('day', churn_window_days + 1, 'sequenced.invoice_date') }} as date)
        <= as_of_date.as_of_date

),

monthly_activity as (

    select
        month_start_date,
        count(*) as active_customers,
        sum(case when activity_status = 'new' then 1 else 0 end) as new_customers,
        sum(case when activity_status = 'returning' then 1 else 0 end) as returning_customers,
        sum(case when activity_status = 'reactivated' then 1 else 0 end) as reactivated_customers,
        sum(
            case
                when {{ dbt.datediff(
                    'previous_active_month', 'month_start_date', 'month'
                ) }} = 1
                    then 1
                else 0
            end
        ) as retained_customers
    from active_months
    group by month_start_date

),

monthly_churn as (

    select
        month_start_date,
        count(*) as churned_customers
    from churn_events
    group by month_start_date

),

filled as (

    select
        months.month_start_date,
        months.is_complete_month,
        coalesce(monthly_activity.active_customers, 0) as active_customers,
        coalesce(monthly_activity.new_customers, 0) as new_customers,
        coalesce(monthly_activity.returning_customers, 0) as returning_customers,
        coalesce(monthly_activity.reactivated_customers, 0) as reactivated_customers,
        coalesce(monthly_churn.churned_customers, 0) as churned_customers,
        coalesce(monthly_activity.retained_customers, 0) as retained_customers,
        lag(coalesce(monthly_activity.active_customers, 0)) over (
            order by months.month_start_date
        ) as previous_month_active_customers
    from months
    left join monthly_activity
        on months.month_start_date = monthly_activity.month_start_date
    left join monthly_churn
        on months.month_start_date = monthly_churn.month_start_date

),

final as (

    select
        filled.month_start_date,
        filled.is_complete_month,
        cast(filled.active_customers as integer) as active_customers,
        cast(filled.new_customers as integer) as new_customers,
        cast(filled.returning_customers as integer) as returning_customers,
        cast(filled.reactivated_customers as integer) as reactivated_customers,
        cast(filled.churned_customers as integer) as churned_customers,
        cast(filled.previous_month_active_customers as integer) as previous_month_active_customers,
        cast(filled.retained_customers as integer) as retained_customers,
        {{ ratio('filled.retained_customers', 'filled.previous_month_active_customers') }}
            as retention_rate,
        cast({{ churn_window_days }} as integer) as churn_window_days
    from filled

)

select * from final
