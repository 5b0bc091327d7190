{#- Incremental on DuckDB: an append build rewrites the accepted lines its validation touched
    (validated_in_load_id = the latest load); no other line's values can change. -#}
{{ config(
    materialized=incremental_materialization(),
    unique_key='invoice_line_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

-- depends_on: {{ ref('int_invoice_lines_validated') }}

with

accepted_lines as (

    select * from {{ ref('int_invoice_lines_accepted') }}

),

{% if is_incremental() %}

validated_lines as (

    select * from {{ ref('int_invoice_lines_validated') }}

),

{% endif %}

changed_lines as (

    select * from accepted_lines
    {% if is_incremental() -%}
        where validated_in_load_id = (select max(validated_in_load_id) from validated_lines)
    {%- endif %}

),

final as (

    select
        invoice_line_id,
        invoice_id,
        invoiced_at,
        invoice_date,
        customer_id,
        customer_age,
        product_id,
        store_id,
        payment_method,
        line_type,
        line_type in ('sale', 'return', 'cancellation') as is_product_line,
        quantity,
        cast(unit_price as {{ money_type() }}) as unit_price,
        cast(unit_cost as {{ money_type() }}) as unit_cost,
        cast(gross_amount as {{ money_type() }}) as gross_amount,
        cast(discount_amount as {{ money_type() }}) as discount_amount,
        cast(net_amount as {{ money_type() }}) as net_amount,
        cast(cost_amount as {{ money_type() }}) as cost_amount,
        cast(net_amount - cost_amount as {{ money_type() }}) as margin_amount
    from changed_lines

)

select * from final
