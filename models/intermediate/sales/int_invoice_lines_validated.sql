{#- Every staged line with its line type, amounts and, if it cannot be used, the first failing
    check as rejection_reason (codes and order: seed rejection_reasons). A table, because the
    duplicate window runs once here and both fct_sales_lines and the quarantine read it. -#}
{{ config(materialized='table') }}

with

invoice_lines as (

    select * from {{ ref('stg_smartcart__invoice_lines') }}

),

charge_codes as (

    select * from {{ ref('charge_codes') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

classified as (

    select
        invoice_lines.*,
        charge_codes.charge_code is not null as is_charge,
        case
            when invoice_lines.invoice_kind = 'adjustment' then 'adjustment'
            when charge_codes.charge_code is not null then 'charge'
            when invoice_lines.invoice_kind = 'cancellation' then 'cancellation'
            when invoice_lines.quantity < 0 then 'return'
            else 'sale'
        end as line_type,
        row_number() over (
            partition by invoice_lines.raw_line_hash
            order by invoice_lines.invoice_line_id
        ) as raw_line_occurrence,
        min(invoice_lines.load_id) over (
            partition by invoice_lines.raw_line_hash
        ) as first_load_id,
        as_of_date.as_of_date
    from invoice_lines
    left join charge_codes
        on upper(invoice_lines.product_id) = upper(charge_codes.charge_code)
    cross join as_of_date

),

final as (

    select
        *,
        case
            when unreadable_reason is not null then unreadable_reason
            when invoice_id is null then 'missing_invoice_id'
            when invoiced_at is null then 'unparseable_date'
            when product_id is null then 'missing_product'
            when quantity is null or unit_price is null or has_unparseable_amount
                then 'unparseable_number'
            when quantity = 0 then 'zero_quantity'
            when unit_price <= 0 and line_type != 'adjustment' then 'nonpositive_price'
            when invoice_date > as_of_date then 'after_as_of_date'
            when raw_line_occurrence > 1 and load_id > first_load_id then 'already_loaded'
            when raw_line_occurrence > 1 then 'duplicate_line'
        end as rejection_reason,
        gross_amount - coalesce(discount_amount, 0) as net_amount,
        quantity * unit_cost as cost_amount
    from classified

)

select * from final
