{#- The accepted invoice lines: the one place the quarantine decision is applied. The star
    schema reads these; quarantined_invoice_lines reads the rejected rest of
    int_invoice_lines_validated. -#}
with

validated_lines as (

    select * from {{ ref('int_invoice_lines_validated') }}

),

final as (

    select * from validated_lines
    where rejection_reason is null

)

select * from final
