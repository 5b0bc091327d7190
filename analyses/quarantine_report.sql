-- What to fix in the export: per rejection reason, how many lines, their amount, how to fix
-- them, and the first line to look at (its row among the export's data rows).
-- `dbt compile -s quarantine_report` prints the SQL to run against the warehouse.
with

quarantined_lines as (

    select * from {{ ref('quarantined_invoice_lines') }}

),

rejection_reasons as (

    select * from {{ ref('rejection_reasons') }}

),

final as (

    select
        rejection_reasons.check_order,
        rejection_reasons.rejection_reason,
        rejection_reasons.how_to_fix,
        count(quarantined_lines.invoice_line_id) as line_count,
        coalesce(sum(quarantined_lines.gross_amount), 0) as gross_amount,
        min(quarantined_lines.invoice_line_id) as first_line_to_check
    from rejection_reasons
    left join quarantined_lines
        on rejection_reasons.rejection_reason = quarantined_lines.rejection_reason
    group by
        rejection_reasons.check_order,
        rejection_reasons.rejection_reason,
        rejection_reasons.how_to_fix

)

select * from final
order by check_order
