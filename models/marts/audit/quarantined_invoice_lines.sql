with

validated_lines as (

    select * from {{ ref('int_invoice_lines_validated') }}

),

rejection_reasons as (

    select * from {{ ref('rejection_reasons') }}

),

final as (

    select
        validated_lines.invoice_line_id,
        validated_lines.source_line_number,
        validated_lines.rejection_reason,
        rejection_reasons.description as rejection_description,
        validated_lines.unreadable_detail as rejection_detail,
        validated_lines.invoice_id,
        validated_lines.invoice_date_text,
        validated_lines.customer_id,
        validated_lines.product_id,
        validated_lines.product_name,
        validated_lines.quantity_text,
        validated_lines.unit_price_text,
        validated_lines.line_amount_text,
        validated_lines.discount_amount_text,
        validated_lines.unit_cost_text,
        validated_lines.store_id,
        validated_lines.line_type,
        cast(coalesce(validated_lines.gross_amount, 0) as {{ money_type() }}) as gross_amount
    from validated_lines
    left join rejection_reasons
        on validated_lines.rejection_reason = rejection_reasons.rejection_reason
    where validated_lines.rejection_reason is not null

)

select * from final
