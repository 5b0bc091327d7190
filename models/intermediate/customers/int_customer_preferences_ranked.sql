{#- Each customer's categories, stores and payment methods, ranked: most orders first, then the
    higher net revenue on those orders, then the value's name, so rank 1 (the favourite) is
    deterministic. -#}
{{ config(materialized='table') }}

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

customer_orders as (

    select
        orders.invoice_id,
        orders.customer_id,
        orders.store_id,
        orders.payment_method,
        orders.product_net_amount
    from orders
    where
        orders.invoice_type = 'order'
        and orders.customer_id is not null

),

order_categories as (

    {#- One row per order and category of its sale lines (charges are not sale lines). -#}
    select
        customer_orders.customer_id,
        customer_orders.invoice_id,
        products.category,
        sum(sales_lines.net_amount) as net_revenue
    from customer_orders
    inner join sales_lines
        on customer_orders.invoice_id = sales_lines.invoice_id
    inner join products
        on sales_lines.product_id = products.product_id
    where sales_lines.line_type = 'sale'
    group by
        customer_orders.customer_id,
        customer_orders.invoice_id,
        products.category

),

category_preferences as (

    select
        customer_id,
        'category' as preference_kind,
        category as preference_value,
        count(*) as order_count,
        sum(net_revenue) as net_revenue
    from order_categories
    group by customer_id, category

),

store_preferences as (

    select
        customer_id,
        'store' as preference_kind,
        store_id as preference_value,
        count(*) as order_count,
        sum(product_net_amount) as net_revenue
    from customer_orders
    where store_id is not null
    group by customer_id, store_id

),

payment_preferences as (

    select
        customer_id,
        'payment_method' as preference_kind,
        payment_method as preference_value,
        count(*) as order_count,
        sum(product_net_amount) as net_revenue
    from customer_orders
    where payment_method is not null
    group by customer_id, payment_method

),

preferences as (

    select * from category_preferences
    union all
    select * from store_preferences
    union all
    select * from payment_preferences

),

final as (

    select
        customer_id,
        preference_kind,
        preference_value,
        cast(order_count as integer) as order_count,
        cast(net_revenue as {{ money_type() }}) as net_revenue,
        cast(row_number() over (
            partition by customer_id, preference_kind
            order by order_count desc, net_revenue desc, preference_value asc
        ) as integer) as preference_rank
    from preferences

)

select * from final
