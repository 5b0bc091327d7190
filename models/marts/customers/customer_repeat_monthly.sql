{#- Each month's active customers, orders and net revenue split by customer type as of
    as_of_date (one_time or repeat, doc def_customer_type). Both types have a row every month,
    so a data set without repeat customers shows repeat = 0 rather than no row. -#}
with

customer_months as (

    select * from {{ ref('int_customer_months_aggregated') }}

),

customers as (

    select * from {{ ref('int_customers_aggregated') }}

),

months as (

    select * from {{ ref('int_months_observed') }}

),

customer_types as (

    select type_values.customer_type
    from (values ('one_time'), ('repeat')) as type_values (customer_type)

),

typed_months as (

    {#- Customers with no orders belong to neither type (their net revenue is in dim_customers). -#}
    select
        customer_months.month_start_date,
        customer_months.customer_id,
        customer_months.order_count,
        customer_months.net_revenue,
        case when customers.order_count >= 2 then 'repeat' else 'one_time' end as customer_type
    from customer_months
    inner join customers
        on customer_months.customer_id = customers.customer_id
    where customers.order_count >= 1

),

type_totals as (

    select
        month_start_date,
        customer_type,
        count(case when order_count > 0 then customer_id end) as active_customers,
        sum(order_count) as order_count,
        sum(net_revenue) as net_revenue
    from typed_months
    group by month_start_date, customer_type

),

filled as (

    select
        months.month_start_date,
        months.is_complete_month,
        customer_types.customer_type,
        coalesce(type_totals.active_customers, 0) as active_customers,
        coalesce(type_totals.order_count, 0) as order_count,
        coalesce(type_totals.net_revenue, 0) as net_revenue
    from months
    cross join customer_types
    left join type_totals
        on
            months.month_start_date = type_totals.month_start_date
            and customer_types.customer_type = type_totals.customer_type

),

final as (

    select
        filled.month_start_date,
        filled.customer_type,
        filled.is_complete_month,
        cast(filled.active_customers as integer) as active_customers,
        cast(filled.order_count as integer) as order_count,
        cast(filled.net_revenue as {{ money_type() }}) as net_revenue,
        {{ ratio(
            'filled.active_customers',
            'sum(filled.active_customers) over (partition by filled.month_start_date)'
        ) }} as share_of_active_customers,
        {{ ratio(
            'filled.net_revenue',
            'sum(filled.net_revenue) over (partition by filled.month_start_date)'
        ) }} as share_of_net_revenue
    from filled

)

select * from final
