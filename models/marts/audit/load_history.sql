{#- One row per load the warehouse has ever taken: the loads recorded by earlier published
    builds as they were recorded then (carried forward, so they survive a full rebuild), and
    this build's new loads with their outcome counts. Per load, lines = accepted + rejected. -#}
with

load_manifests as (

    select * from {{ ref('stg_smartcart__load_manifests') }}

),

validated_lines as (

    select * from {{ ref('int_invoice_lines_validated') }}

),

archived_loads as (

    select * from {{ ref('stg_smartcart__archived_loads') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

{# One scan of the validated lines: the count per load and outcome (null = accepted). #}
outcome_counts as (

    select
        load_id,
        rejection_reason,
        count(*) as line_count
    from validated_lines
    group by load_id, rejection_reason

),

rejections as (

    select
        load_id,
        sum(line_count) as rejected_line_count,
        {{ dbt.listagg(
            "rejection_reason || ': ' || cast(line_count as " ~ dbt.type_string() ~ ")",
            "', '",
            "order by line_count desc, rejection_reason"
        ) }} as rejected_by_reason
    from outcome_counts
    where rejection_reason is not null
    group by load_id

),

acceptances as (

    select
        load_id,
        line_count as accepted_line_count
    from outcome_counts
    where rejection_reason is null

),

new_loads as (

    select
        load_manifests.load_id,
        load_manifests.source_file,
        load_manifests.file_name,
        load_manifests.file_sha256,
        load_manifests.file_format,
        load_manifests.loaded_at,
        as_of_date.as_of_date,
        load_manifests.file_record_count as line_count,
        coalesce(acceptances.accepted_line_count, 0) as accepted_line_count,
        coalesce(rejections.rejected_line_count, 0) as rejected_line_count,
        rejections.rejected_by_reason,
        load_manifests.load_seconds
    from load_manifests
    left join archived_loads
        on load_manifests.load_id = archived_loads.load_id
    left join acceptances
        on load_manifests.load_id = acceptances.load_id
    left join rejections
        on load_manifests.load_id = rejections.load_id
    cross join as_of_date
    where archived_loads.load_id is null

),

all_loads as (

    select * from archived_loads

    union all

    select * from new_loads

),

final as (

    select
        cast(load_id as bigint) as load_id,
        source_file,
        file_name,
        file_sha256,
        file_format,
        cast(loaded_at as timestamp) as loaded_at,
        as_of_date,
        cast(line_count as bigint) as line_count,
        cast(accepted_line_count as bigint) as accepted_line_count,
        cast(rejected_line_count as bigint) as rejected_line_count,
        rejected_by_reason,
        cast(load_seconds as double) as load_seconds
    from all_loads

)

select * from final
