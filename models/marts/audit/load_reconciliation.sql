{#- Raw lines = accepted lines + rejected lines, in count and in amount, per raw table. The
    raw side is counted from staging, the outcomes from the published tables, so a line lost
    between them shows up as an imbalance (and fails the test on this model). -#}
with

raw_lines as (

    select * from {{ ref('stg_smartcart__invoice_lines') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

quarantined_lines as (

    select * from {{ ref('quarantined_invoice_lines') }}

),

raw_totals as (

    select
        'invoice_lines' as raw_table,
        count(*) as raw_line_count,
        sum(coalesce(gross_amount, 0)) as raw_gross_amount
    from raw_lines

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
