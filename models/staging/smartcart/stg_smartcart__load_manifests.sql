{#- One row per load: the loader's own count of the file it loaded (raw.load_manifest),
    renamed only. load_reconciliation starts from file_record_count. -#}
with

source as (

    select * from {{ source('smartcart', 'load_manifest') }}

),

final as (

    select
        load_id,
        raw_table,
        source_file,
        file_name,
        file_sha256,
        file_format,
        file_encoding,
        file_delimiter,
        file_record_count,
        unreadable_record_count,
        blank_line_count,
        first_row_number,
        loaded_at,
        load_seconds
    from source

)

select * from final
