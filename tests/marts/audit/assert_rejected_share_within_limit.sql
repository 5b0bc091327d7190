-- Rule: the build must not publish when more than var('max_rejected_line_share') of the file's
-- records are rejected: the export, or the FORMAT chosen for it, is probably wrong. Lines after
-- as_of_date are not errors and do not count. Every record of the file is a validated line
-- (load_reconciliation proves it), so the validated lines are the file's records.
-- It reads the validated lines alone: when it fails, dbt build skips every model downstream of
-- them (dbt only skips models that depend on all of a test's parents), so a mostly rejected
-- export is refused in seconds. One row per rejection reason, largest first (the build's
-- refusal names the top three).
with

validated_lines as (

    select * from {{ ref('int_invoice_lines_validated') }}

),

reasons as (

    select
        rejection_reason,
        count(*) as line_count
    from validated_lines
    group by rejection_reason

),

shares as (

    select
        rejection_reason,
        line_count,
        sum(
            case when rejection_reason != 'after_as_of_date' then line_count end
        ) over () as rejected_line_count,
        sum(line_count) over () as file_record_count
    from reasons

)

select *
from shares
where
    rejection_reason != 'after_as_of_date'
    and rejected_line_count > {{ var('max_rejected_line_share') }} * file_record_count
order by line_count desc, rejection_reason asc
