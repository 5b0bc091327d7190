-- Rule: the build must not publish when more than var('max_rejected_line_share') of a load's
-- records are rejected: the export, or the FORMAT chosen for it, is probably wrong. Lines after
-- as_of_date and lines an earlier load already holds (an overlapping export) are not errors and
-- do not count. Every record of a file is a validated line (load_reconciliation proves it), so
-- a load's validated lines are its file's records.
-- It reads the validated lines alone: when it fails, dbt build skips every model downstream of
-- them (dbt only skips models that depend on all of a test's parents), so a mostly rejected
-- export is refused in seconds. One row per failing load and rejection reason, largest first
-- (the build's refusal names the top three).
with

validated_lines as (

    select * from {{ ref('int_invoice_lines_validated') }}

),

reasons as (

    select
        load_id,
        rejection_reason,
        rejection_reason not in ('after_as_of_date', 'already_loaded') as is_error,
        count(*) as line_count
    from validated_lines
    group by load_id, rejection_reason

),

shares as (

    select
        load_id,
        rejection_reason,
        is_error,
        line_count,
        sum(case when is_error then line_count else 0 end) over (partition by load_id) as rejected_line_count,
        sum(line_count) over (partition by load_id) as file_record_count
    from reasons

)

select
    load_id,
    rejection_reason,
    line_count,
    rejected_line_count,
    file_record_count
from shares
where
    is_error
    and rejected_line_count > {{ var('max_rejected_line_share') }} * file_record_count
order by load_id desc, line_count desc, rejection_reason asc
