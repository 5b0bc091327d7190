{#- Product lines (sale, return, cancellation) with everything the sales marts group and count
    by, so each mart is one aggregation: the product's category, the store's region, the
    invoice month, the customer's first order date and the measures split by line type.
    Incremental on DuckDB: an append build re-attributes the accepted lines its validation
    touched (validated_in_load_id = the latest load) and every line of a customer whose first
    order moved, of a product whose category changed and of a store whose region changed;
    those lines carry attributed_in_load_id = the latest load, which tells
    int_sales_periods_aggregated the days to re-aggregate. No other line's values can change. -#}
{{ config(
    materialized=incremental_materialization(),
    unique_key='invoice_line_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

-- depends_on: {{ ref('int_invoice_lines_accepted') }}

with

all_sales_lines as {{ not_materialized() }} (

    select * from {{ ref('fct_sales_lines') }}
    where is_product_line

),

validated_lines as {{ not_materialized() }} (

    select * from {{ ref('int_invoice_lines_validated') }}

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

latest_load as (

    select max(validated_in_load_id) as load_id from validated_lines

),

{% if is_incremental() %}

attributed_before as {{ not_materialized() }} (

    select * from {{ this }}

),

accepted_lines as {{ not_materialized() }} (

    select * from {{ ref('int_invoice_lines_accepted') }}

),

changed_lines as (

    select accepted_lines.invoice_line_id
    from accepted_lines
    where accepted_lines.validated_in_load_id = (select latest_load.load_id from latest_load)

),

moved_customers as (

    {#- Only a customer with a changed line can have a new first order. -#}
    select first_orders_before.customer_id
    from (
        select
            attributed_before.customer_id,
            max(attributed_before.first_order_date) as first_order_date
        from attributed_before
        where attributed_before.customer_id in (
            select all_sales_lines.customer_id
            from all_sales_lines
            inner join changed_lines
                on all_sales_lines.invoice_line_id = changed_lines.invoice_line_id
        )
        group by attributed_before.customer_id
    ) as first_orders_before
    left join first_orders
        on first_orders_before.customer_id = first_orders.customer_id
    where first_orders_before.first_order_date is distinct from first_orders.invoice_date

),

recategorised_products as (

    select categories_before.product_id
    from (
        select distinct
            attributed_before.product_id,
            attributed_before.category
        from attributed_before
    ) as categories_before
    inner join products
        on categories_before.product_id = products.product_id
    where categories_before.category is distinct from products.category

),

reregioned_stores as (

    select regions_before.store_id
    from (
        select distinct
            attributed_before.store_id,
            attributed_before.region
        from attributed_before
        where attributed_before.store_id is not null
    ) as regions_before
    left join stores
        on regions_before.store_id = stores.store_id
    where regions_before.region is distinct from stores.region

),

{% endif %}

sales_lines as (

    select * from all_sales_lines
    {% if is_incremental() -%}
        where
            invoice_line_id in (select changed_lines.invoice_line_id from changed_lines)
            or customer_id in (select moved_customers.customer_id from moved_customers)
            or product_id in (select recategorised_products.product_id from recategorised_products)
            or store_id in (select reregioned_stores.store_id from reregioned_stores)
    {%- endif %}

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
        latest_load.load_id as attributed_in_load_id
    from sales_lines
    inner join products
        on sales_lines.product_id = products.product_id
    left join stores
        on sales_lines.store_id = stores.store_id
    left join first_orders
        on sales_lines.customer_id = first_orders.customer_id
    cross join latest_load

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
        attributed_in_load_id
    from attributed

)

select * from final
