{#- Every staged line with its line type, amounts and, if it cannot be used, the first failing
    check as rejection_reason (codes and order: seed rejection_reasons). A table, because the
    duplicate detection runs once here and both fct_sales_lines and the quarantine read it.
    Incremental on DuckDB: an append build validates the new load's lines, every earlier copy
    of an exact line they repeat (the copies number the occurrences that decide already_loaded
    and duplicate_line) and the earlier lines whose after_as_of_date decision the as-of date
    can change, with every copy of those; every other line keeps its decision, which no later
    line can change (a copy is numbered after the lines before it). validated_in_load_id marks
    the lines validated by the latest build, which the incremental models downstream rebuild. -#}
{{ config(
    materialized=incremental_materialization(),
    unique_key='invoice_line_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

with

staged_lines as {{ not_materialized() }} (

    select * from {{ ref('stg_smartcart__invoice_lines') }}

),

charge_codes as (

    select * from {{ ref('charge_codes') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

{% if is_incremental() %}

validated_before as {{ not_materialized() }} (

    select * from {{ this }}

),

revalidated_hashes as (

    select staged_lines.raw_line_hash
    from staged_lines
    where staged_lines.load_id > (select max(validated_before.load_id) from validated_before)

    union

    select validated_before.raw_line_hash
    from validated_before
    cross join as_of_date
    where
        validated_before.rejection_reason = 'after_as_of_date'
        or validated_before.invoice_date > as_of_date.as_of_date

),

{% endif %}

invoice_lines as {{ not_materialized() }} (

    select * from staged_lines
    {% if is_incremental() -%}
        where load_id > (select max(validated_before.load_id) from validated_before)

        {#- The earlier lines as staged, from this table (staging would hash every raw line
            again); DuckDB-only syntax, as this branch only runs on DuckDB. #}
        union all by name

        select validated_before.* exclude (
            validated_in_load_id, is_charge, line_type, raw_line_occurrence, first_load_id,
            rejection_reason, net_amount, cost_amount
        )
        from validated_before
        inner join revalidated_hashes
            on validated_before.raw_line_hash = revalidated_hashes.raw_line_hash
    {%- endif %}

),

{# Exact duplicates by aggregation, numbered among themselves only: a window over every line
    (wide rows, partitioned by a hash nearly every line has alone) ran DuckDB out of memory at
    16M lines under the 4 GiB limit. The line-level CTEs are inlined (not_materialized): each
    reference rescans staging instead of spilling every wide row to disk and back. #}
repeated_hashes as (

    select
        invoice_lines.raw_line_hash,
        min(invoice_lines.load_id) as first_load_id
    from invoice_lines
    group by invoice_lines.raw_line_hash
    having count(*) > 1

),

repeated_lines as (

    select
        invoice_lines.invoice_line_id,
        repeated_hashes.first_load_id,
        row_number() over (
            partition by invoice_lines.raw_line_hash
            order by invoice_lines.invoice_line_id
        ) as raw_line_occurrence
    from invoice_lines
    inner join repeated_hashes
        on invoice_lines.raw_line_hash = repeated_hashes.raw_line_hash

),

latest_load as (

    select max(staged_lines.load_id) as validated_in_load_id
    from staged_lines

),

classified as (

    select
        invoice_lines.*,
        latest_load.validated_in_load_id,
        charge_codes.charge_code is not null as is_charge,
        case
            when invoice_lines.invoice_kind = 'adjustment' then 'adjustment'
            when charge_codes.charge_code is not null then 'charge'
            when invoice_lines.invoice_kind = 'cancellation' then 'cancellation'
            when invoice_lines.quantity < 0 then 'return'
            else 'sale'
        end as line_type,
        coalesce(repeated_lines.raw_line_occurrence, 1) as raw_line_occurrence,
        coalesce(repeated_lines.first_load_id, invoice_lines.load_id) as first_load_id
    from invoice_lines
    cross join latest_load
    left join charge_codes
        on upper(invoice_lines.product_id) = upper(charge_codes.charge_code)
    left join repeated_lines
        on invoice_lines.invoice_line_id = repeated_lines.invoice_line_id

),

final as (

    select
        classified.*,
        case
            when classified.unreadable_reason is not null then classified.unreadable_reason
            when classified.invoice_id is null then 'missing_invoice_id'
            when classified.invoiced_at is null then 'unparseable_date'
            when classified.product_id is null then 'missing_product'
            when
                classified.quantity is null
                or classified.unit_price is null
                or classified.has_unparseable_amount
                then 'unparseable_number'
            when classified.quantity = 0 then 'zero_quantity'
            when classified.unit_price <= 0 and classified.line_type != 'adjustment'
                then 'nonpositive_price'
            when classified.invoice_date > as_of_date.as_of_date then 'after_as_of_date'
            when
                classified.raw_line_occurrence > 1
                and classified.load_id > classified.first_load_id
                then 'already_loaded'
            when classified.raw_line_occurrence > 1 then 'duplicate_line'
        end as rejection_reason,
        classified.gross_amount - coalesce(classified.discount_amount, 0) as net_amount,
        classified.quantity * classified.unit_cost as cost_amount
    from classified
    cross join as_of_date

)

select * from final
