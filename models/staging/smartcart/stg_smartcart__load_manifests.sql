{#- One row per raw table: the loader's own count of the file it loaded (raw.load_manifest),
    renamed only. load_reconciliation starts from file_record_count. -#}
with

source as (

    select * from {{ source('smartcart', 'load_manifest') }}

),

final as (

    select
        raw_table,
        source_file,
        file_format,
        file_encoding,
        file_delimiter,
        file_record_count,
        unreadable_record_count,
        blank_line_count,
        loaded_at
    from source

)

select * from final
