{#- File records = accepted lines + rejected lines, in count, per raw table; raw amount =
    accepted + rejected amount. The record count is the loader's strict count of the file
    itself (stg_smartcart__load_manifests), the amount is summed from staging, the outcomes from the
    published tables: a record lost by a reader or between the layers shows up as an imbalance
    (and fails the test on this model). -#}
with

raw_lines as (

    select * from {{ ref('stg_smartcart__invoice_lines') }}

),

load_manifests as (

    select * from {{ ref('stg_smartcart__load_manifests') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

quarantined_lines as (

    select * from {{ ref('quarantined_invoice_lines') }}

),

raw_amounts as (

    select
        'invoice_lines' as raw_table,
        sum(coalesce(gross_amount, 0)) as raw_gross_amount
    from raw_lines

),

raw_counts as (

    select
        raw_table,
        sum(file_record_count) as raw_line_count
    from load_manifests
    group by raw_table

),

raw_totals as (

    select
        raw_counts.raw_table,
        raw_counts.raw_line_count,
        raw_amounts.raw_gross_amount
    from raw_counts
    inner join raw_amounts
        on raw_counts.raw_table = raw_amounts.raw_table

),

outcomes as (

    select
        'invoice_lines' as raw_table,
        'accepted' as outcome,
        count(*) as line_count,
        sum(gross_amount) as gross_amount
    from sales_lines

    union all

    select
        'invoice_lines' as raw_table,
        'rejected: ' || rejection_reason as outcome,
        count(*) as line_count,
        sum(gross_amount) as gross_amount
    from quarantined_lines
    group by rejection_reason

),

final as (

    select
        outcomes.raw_table,
        outcomes.outcome,
        cast(outcomes.line_count as bigint) as line_count,
        cast(coalesce(outcomes.gross_amount, 0) as {{ money_type() }}) as gross_amount,
        cast(raw_totals.raw_line_count as bigint) as raw_line_count,
        cast(raw_totals.raw_gross_amount as {{ money_type() }}) as raw_gross_amount,
        {{ ratio('cast(outcomes.line_count as double)', 'raw_totals.raw_line_count') }} as share_of_raw_lines
    from outcomes
    inner join raw_totals
        on outcomes.raw_table = raw_totals.raw_table

)

select * from final
