{#- Lifetime totals of every known customer up to as_of_date: the one place customer-level
    aggregates are computed, read by dim_customers, the RFM scoring and the value tiers (so no mart
    has to read another mart that reads it back). -#}
{{ config(materialized='table') }}

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

preferences as (

    select * from {{ ref('int_customer_preferences_ranked') }}

),

customer_lines as (

    select sales_lines.*
    from sales_lines
    where
        sales_lines.customer_id is not null

),

line_totals as (

    select
        customer_id,
        sum(case when line_type = 'sale' then quantity else 0 end) as units_purchased,
        -sum(case when line_type in ('return', 'cancellation') then quantity else 0 end)
            as units_returned,
        sum(case when line_type = 'sale' then gross_amount else 0 end) as gross_sales,
        sum(case when line_type = 'sale' then discount_amount end) as discount_amount,
        -sum(case when line_type in ('return', 'cancellation') then net_amount else 0 end)
            as returns_amount,
        sum(case when is_product_line then net_amount else 0 end) as net_revenue
    from customer_lines
    group by customer_id

),

order_totals as (

    select
        orders.customer_id,
        min(orders.invoice_date) as first_order_date,
        max(orders.invoice_date) as last_order_date,
        count(*) as order_count
    from orders
    where
        orders.invoice_type = 'order'
        and orders.customer_id is not null
    group by orders.customer_id

),

favourites as (

    select
        customer_id,
        max(case when preference_kind = 'category' then preference_value end) as favourite_category,
        max(case when preference_kind = 'store' then preference_value end) as favourite_store_id,
        max(case when preference_kind = 'payment_method' then preference_value end)
            as favourite_payment_method
    from preferences
    where preference_rank = 1
    group by customer_id

),

final as (

    select
        line_totals.customer_id,
        order_totals.first_order_date,
        order_totals.last_order_date,
        cast(coalesce(order_totals.order_count, 0) as integer) as order_count,
        cast(line_totals.units_purchased as integer) as units_purchased,
        cast(line_totals.units_returned as integer) as units_returned,
        cast(line_totals.gross_sales as {{ money_type() }}) as gross_sales,
        cast(line_totals.discount_amount as {{ money_type() }}) as discount_amount,
        cast(line_totals.returns_amount as {{ money_type() }}) as returns_amount,
        cast(line_totals.net_revenue as {{ money_type() }}) as net_revenue,
        favourites.favourite_category,
        favourites.favourite_store_id,
        favourites.favourite_payment_method
    from line_totals
    left join order_totals
        on line_totals.customer_id = order_totals.customer_id
    left join favourites
        on line_totals.customer_id = favourites.customer_id

)

select * from final
