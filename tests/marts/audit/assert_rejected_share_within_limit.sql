-- Rule: the build must not publish when more than var('max_rejected_line_share') of a raw
-- table's lines are rejected: the export, or the FORMAT chosen for it, is probably wrong.
-- Lines after as_of_date are not errors and do not count.
select
    raw_table,
    sum(line_count) as rejected_line_count,
    max(raw_line_count) as raw_line_count
from {{ ref('load_reconciliation') }}
where outcome like 'rejected:%' and outcome != 'rejected: after_as_of_date'
group by raw_table
having sum(line_count) > {{ var('max_rejected_line_share') }} * max(raw_line_count)
