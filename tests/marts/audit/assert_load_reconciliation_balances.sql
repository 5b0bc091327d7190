-- Rule: per raw table, accepted + rejected lines = raw lines, in count and in gross amount
-- (exact to the cent). Returns the raw tables that do not balance.
select
    raw_table,
    max(raw_line_count) as raw_line_count,
    sum(line_count) as outcome_line_count,
    max(raw_gross_amount) as raw_gross_amount,
    sum(gross_amount) as outcome_gross_amount
from {{ ref('load_reconciliation') }}
group by raw_table
having
    sum(line_count) != max(raw_line_count)
    or round(sum(gross_amount), 2) != round(max(raw_gross_amount), 2)
