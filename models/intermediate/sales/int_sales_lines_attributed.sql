{#- Product lines (sale, return, cancellation) with everything the sales marts group and count
    by, so each mart is one aggregation: the product's category, the store's region, the
    invoice month, the customer's first order date, the measures split by line type, and
    the as-of windows of store, category and product performance. -#}
{{ config(materialized='table') }}

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}
    where is_product_line

),

products as (

    select * from {{ ref('dim_products') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

first_orders as (

    select * from {{ ref('fct_orders') }}
    where is_first_order

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

attributed as (

    select
        sales_lines.invoice_line_id,
        sales_lines.invoice_id,
        sales_lines.invoiced_at,
        sales_lines.invoice_date,
        cast({{ dbt.date_trunc('month', 'sales_lines.invoice_date') }} as date) as invoice_month,
        sales_lines.customer_id,
        sales_lines.product_id,
        products.category,
        sales_lines.store_id,
        stores.region,
        sales_lines.line_type,
        sales_lines.quantity,
        sales_lines.gross_amount,
        sales_lines.discount_amount,
        sales_lines.net_amount,
        sales_lines.cost_amount,
        first_orders.invoice_date as first_order_date,
        cast({{ dbt.date_trunc('month', 'first_orders.invoice_date') }} as date) as first_order_month,
        {{ dbt.datediff('sales_lines.invoice_date', 'as_of_date.as_of_date', 'day') }}
            as days_before_as_of
    from sales_lines
    inner join products
        on sales_lines.product_id = products.product_id
    left join stores
        on sales_lines.store_id = stores.store_id
    left join first_orders
        on sales_lines.customer_id = first_orders.customer_id
    cross join as_of_date

),

final as (

    select
        invoice_line_id,
        invoice_id,
        invoiced_at,
        invoice_date,
        invoice_month,
        customer_id,
        product_id,
        category,
        store_id,
        region,
        line_type,
        quantity,
        gross_amount,
        discount_amount,
        net_amount,
        cost_amount,
        first_order_date,
        first_order_month,
        case when line_type = 'sale' then quantity else 0 end as units_sold,
        case when line_type = 'sale' then 0 else -quantity end as units_returned,
        case when line_type = 'sale' then gross_amount else 0 end as gross_sales_amount,
        case when line_type = 'sale' then discount_amount end as sale_discount_amount,
        case when line_type = 'sale' then net_amount else 0 end as sale_net_amount,
        case when line_type = 'sale' then cost_amount end as sale_cost_amount,
        case when line_type = 'sale' then 0 else -net_amount end as returns_amount,
        case when line_type = 'sale' then invoice_id end as order_invoice_id,
        case when line_type = 'sale' then customer_id end as ordering_customer_id,
        days_before_as_of < {{ var('performance_window_days') }} as is_in_current_window,
        days_before_as_of >= {{ var('performance_window_days') }}
        and days_before_as_of < 2 * {{ var('performance_window_days') }} as is_in_previous_window,
        days_before_as_of < {{ var('recent_window_days') }} as is_in_recent_window,
        days_before_as_of >= {{ var('recent_window_days') }}
        and days_before_as_of < 2 * {{ var('recent_window_days') }} as is_in_previous_recent_window
    from attributed

)

select * from final
