with

validated_lines as (

    select * from {{ ref('int_invoice_lines_validated') }}

),

final as (

    select
        invoice_line_id,
        invoice_id,
        invoiced_at,
        invoice_date,
        customer_id,
        product_id,
        store_id,
        payment_method,
        line_type,
        line_type in ('sale', 'return', 'cancellation') as is_product_line,
        quantity,
        cast(unit_price as decimal(18, 4)) as unit_price,
        cast(unit_cost as decimal(18, 4)) as unit_cost,
        cast(gross_amount as decimal(18, 4)) as gross_amount,
        cast(discount_amount as decimal(18, 4)) as discount_amount,
        cast(net_amount as decimal(18, 4)) as net_amount,
        cast(cost_amount as decimal(18, 4)) as cost_amount,
        cast(net_amount - cost_amount as decimal(18, 4)) as margin_amount
    from validated_lines
    where rejection_reason is null

)

select * from final
