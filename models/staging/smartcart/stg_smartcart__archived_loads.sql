{#- One row per load recorded by an earlier published build (raw.load_history, its
    marts.load_history carried forward by the build script), as recorded then. -#}
with

source as (

    select * from {{ source('smartcart', 'load_history') }}

),

final as (

    select
        load_id,
        source_file,
        file_name,
        file_sha256,
        file_format,
        loaded_at,
        as_of_date,
        line_count,
        accepted_line_count,
        rejected_line_count,
        rejected_by_reason,
        load_seconds
    from source

)

select * from final
