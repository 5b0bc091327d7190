{#- One row per published build, earliest first: what it was built as of, how many nodes it
    ran, its test results and wall time (carried forward from build to build). -#}
with

published_builds as (

    select * from {{ ref('stg_smartcart__published_builds') }}

),

final as (

    select
        cast(build_id as bigint) as build_id,
        cast(built_at as timestamp) as built_at,
        as_of_date,
        build_mode,
        cast(last_load_id as bigint) as last_load_id,
        smartcart_version,
        cast(model_count as bigint) as model_count,
        cast(seed_count as bigint) as seed_count,
        cast(data_test_count as bigint) as data_test_count,
        cast(unit_test_count as bigint) as unit_test_count,
        cast(tests_passed as bigint) as tests_passed,
        cast(tests_warned as bigint) as tests_warned,
        cast(tests_failed as bigint) as tests_failed,
        cast(build_seconds as double) as build_seconds,
        models_evaluated_as_of,
        code_fingerprint
    from published_builds

)

select * from final
