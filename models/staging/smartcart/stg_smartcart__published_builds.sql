{#- One row per published build (raw.build_history: earlier builds carried forward, and this
    build's own row once its dbt build has passed). -#}
with

source as (

    select * from {{ source('smartcart', 'build_history') }}

),

final as (

    select
        build_id,
        built_at,
        as_of_date,
        build_mode,
        last_load_id,
        smartcart_version,
        model_count,
        seed_count,
        data_test_count,
        unit_test_count,
        tests_passed,
        tests_warned,
        tests_failed,
        build_seconds,
        models_evaluated_as_of,
        code_fingerprint
    from source

)

select * from final
