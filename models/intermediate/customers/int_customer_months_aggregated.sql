{#- Each known customer's months with an order or a product line (a return alone makes a
    month), with orders, net revenue and the months since their first order. -#}
with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

line_months as (

    select
        sales_lines.customer_id,
        cast({{ dbt.date_trunc('month', 'sales_lines.invoice_date') }} as date) as month_start_date,
        sum(sales_lines.net_amount) as net_revenue
    from sales_lines
    where
        sales_lines.customer_id is not null
        and sales_lines.is_product_line
    group by
        sales_lines.customer_id,
        cast({{ dbt.date_trunc('month', 'sales_lines.invoice_date') }} as date)

),

order_months as (

    select
        orders.customer_id,
        cast({{ dbt.date_trunc('month', 'orders.invoice_date') }} as date) as month_start_date,
        count(*) as order_count
    from orders
    where
        orders.invoice_type = 'order'
        and orders.customer_id is not null
    group by
        orders.customer_id,
        cast({{ dbt.date_trunc('month', 'orders.invoice_date') }} as date)

),

first_order_months as (

    select
        customer_id,
        min(month_start_date) as first_order_month
    from order_months
    group by customer_id

),

customer_months as (

    select
        customer_id,
        month_start_date
    from line_months
    union
    select
        customer_id,
        month_start_date
    from order_months

),

final as (

    select
        customer_months.customer_id,
        customer_months.month_start_date,
        first_order_months.first_order_month,
        cast({{ dbt.datediff(
            'first_order_months.first_order_month', 'customer_months.month_start_date', 'month'
        ) }} as integer) as months_since_first_order,
        cast(coalesce(order_months.order_count, 0) as integer) as order_count,
        cast(coalesce(line_months.net_revenue, 0) as {{ money_type() }}) as net_revenue
    from customer_months
    left join line_months
        on
            customer_months.customer_id = line_months.customer_id
            and customer_months.month_start_date = line_months.month_start_date
    left join order_months
        on
            customer_months.customer_id = order_months.customer_id
            and customer_months.month_start_date = order_months.month_start_date
    left join first_order_months
        on customer_months.customer_id = first_order_months.customer_id

)

select * from final
