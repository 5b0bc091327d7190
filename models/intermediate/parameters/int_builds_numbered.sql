{#- One row for the whole build: the id this build gets in build_history when it passes, one
    more than any published build (carried ones included). The archives (forecast_history,
    segment_history) file this build's rows under it. -#}
with

published_builds as (

    select * from {{ ref('stg_smartcart__published_builds') }}

),

final as (

    select cast(coalesce(max(build_id), 0) + 1 as bigint) as build_id
    from published_builds

)

select * from final
