{#- Incremental on DuckDB: an append build rebuilds every invoice with a line its validation
    touched (validated_in_load_id = the latest load) and every order of those invoices'
    customers, before and after (a new order can renumber a customer's earlier orders), and
    replaces those rows; no other invoice can change. -#}
{{ config(
    materialized=incremental_materialization(),
    unique_key='invoice_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

-- depends_on: {{ ref('int_invoice_lines_validated') }}

with

all_sales_lines as {{ not_materialized() }} (

    select * from {{ ref('fct_sales_lines') }}

),

{% if is_incremental() %}

validated_lines as {{ not_materialized() }} (

    select * from {{ ref('int_invoice_lines_validated') }}

),

orders_before as (

    select * from {{ this }}

),

changed_invoices as (

    select distinct invoice_id
    from validated_lines
    where
        validated_in_load_id = (select max(validated_in_load_id) from validated_lines)
        and rejection_reason is null

),

changed_customers as (

    select all_sales_lines.customer_id
    from all_sales_lines
    inner join changed_invoices
        on all_sales_lines.invoice_id = changed_invoices.invoice_id
    where all_sales_lines.customer_id is not null

    union

    select orders_before.customer_id
    from orders_before
    inner join changed_invoices
        on orders_before.invoice_id = changed_invoices.invoice_id
    where orders_before.customer_id is not null

),

rebuilt_invoices as (

    select changed_invoices.invoice_id from changed_invoices

    union

    select all_sales_lines.invoice_id
    from all_sales_lines
    inner join changed_customers
        on all_sales_lines.customer_id = changed_customers.customer_id

),

{% endif %}

sales_lines as (

    select * from all_sales_lines
    {% if is_incremental() -%}
        where invoice_id in (select rebuilt_invoices.invoice_id from rebuilt_invoices)
    {%- endif %}

),

invoices as (

    select
        invoice_id,
        min(invoiced_at) as invoiced_at,
        max(customer_id) as customer_id,
        max(store_id) as store_id,
        max(payment_method) as payment_method,
        max(case when line_type = 'adjustment' then 1 else 0 end) as has_adjustment,
        max(case when line_type = 'cancellation' then 1 else 0 end) as has_cancellation,
        max(case when line_type = 'sale' then 1 else 0 end) as has_sale,
        max(case when line_type = 'return' then 1 else 0 end) as has_return,
        count(*) as line_count,
        sum(case when is_product_line then quantity else 0 end) as product_units,
        sum(gross_amount) as gross_amount,
        sum(discount_amount) as discount_amount,
        sum(net_amount) as net_amount,
        sum(case when is_product_line then net_amount else 0 end) as product_net_amount,
        sum(case when line_type = 'charge' then net_amount else 0 end) as charge_amount,
        {{ sum_if_all_known('cost_amount', 'is_product_line') }} as cost_amount
    from sales_lines
    group by invoice_id

),

typed as (

    select
        *,
        case
            when has_adjustment = 1 then 'adjustment'
            when has_cancellation = 1 then 'cancellation'
            when has_sale = 1 then 'order'
            when has_return = 1 then 'return'
            else 'charge'
        end as invoice_type
    from invoices

),

order_numbers as (

    {#- Numbered on a narrow projection and joined back: a window sorts every column it is
        given, and over all of typed it ran DuckDB out of memory at 52 M lines (19 M invoices). -#}
    select
        invoice_id,
        row_number() over (
            partition by customer_id
            order by invoiced_at, invoice_id
        ) as customer_order_number
    from typed
    where invoice_type = 'order' and customer_id is not null

),

numbered as (

    select
        typed.*,
        order_numbers.customer_order_number
    from typed
    left join order_numbers
        on typed.invoice_id = order_numbers.invoice_id

),

final as (

    select
        invoice_id,
        invoiced_at,
        cast(invoiced_at as date) as invoice_date,
        customer_id,
        store_id,
        payment_method,
        invoice_type,
        cast(line_count as integer) as line_count,
        cast(product_units as integer) as product_units,
        cast(gross_amount as {{ money_type() }}) as gross_amount,
        cast(discount_amount as {{ money_type() }}) as discount_amount,
        cast(net_amount as {{ money_type() }}) as net_amount,
        cast(product_net_amount as {{ money_type() }}) as product_net_amount,
        cast(charge_amount as {{ money_type() }}) as charge_amount,
        cast(cost_amount as {{ money_type() }}) as cost_amount,
        cast(product_net_amount - cost_amount as {{ money_type() }}) as margin_amount,
        cast(customer_order_number as integer) as customer_order_number,
        coalesce(customer_order_number = 1, false) as is_first_order
    from numbered
    {% if is_incremental() -%}
        {#- An invoice rebuilt only for another customer's line keeps its row: its own
            customer's orders were not all rebuilt, so its order number would be partial. -#}
        where
            invoice_id in (select changed_invoices.invoice_id from changed_invoices)
            or customer_id in (select changed_customers.customer_id from changed_customers)
    {%- endif %}

)

select * from final
