{%- set latest_named_line = ['product_name is not null', 'invoiced_at', 'invoice_line_id'] -%}

with

sales_lines as (

    select * from {{ ref('int_invoice_lines_accepted') }}

),

products as (

    -- The product's latest named line gives its current name, category, price and cost.
    select
        product_id,
        {{ latest_value('product_name', latest_named_line) }} as product_name,
        {{ latest_value('category', latest_named_line) }} as category,
        {{ latest_value('unit_price', latest_named_line) }} as unit_price,
        {{ latest_value('unit_cost', latest_named_line) }} as unit_cost,
        {{ latest_value('is_charge', latest_named_line) }} as is_charge,
        min(invoice_date) as first_sold_date,
        max(invoice_date) as last_sold_date
    from sales_lines
    group by product_id

),

final as (

    select
        product_id,
        product_name,
        coalesce(category, case when is_charge then 'Charges' else 'Uncategorised' end) as category,
        is_charge,
        cast(unit_price as {{ money_type() }}) as latest_unit_price,
        cast(unit_cost as {{ money_type() }}) as latest_unit_cost,
        first_sold_date,
        last_sold_date
    from products

)

select * from final
