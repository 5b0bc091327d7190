{#- One row per segment of every published build: the segments archived by earlier builds as
    they were (carried forward, so they survive a full rebuild) and this build's
    segment_profiles: sizes, shares and centroids (feature means). -#}
with

archived_segments as (

    select * from {{ ref('stg_smartcart__archived_segments') }}

),

segment_profiles as (

    select * from {{ ref('segment_profiles') }}

),

this_build as (

    select * from {{ ref('int_builds_numbered') }}

),

current_segments as (

    select
        this_build.build_id,
        segment_profiles.as_of_date,
        segment_profiles.cluster_id,
        segment_profiles.segment_name,
        segment_profiles.customer_count,
        segment_profiles.share_of_customers,
        segment_profiles.mean_recency_days,
        segment_profiles.mean_frequency,
        segment_profiles.mean_monetary,
        segment_profiles.mean_avg_order_value,
        segment_profiles.mean_return_rate,
        segment_profiles.mean_tenure_days
    from segment_profiles
    cross join this_build

),

unioned as (

    select * from archived_segments
    union all
    select * from current_segments

),

final as (

    select
        cast(build_id as bigint) as build_id,
        as_of_date,
        cast(cluster_id as integer) as cluster_id,
        segment_name,
        cast(customer_count as integer) as customer_count,
        cast(share_of_customers as double) as share_of_customers,
        cast(mean_recency_days as double) as mean_recency_days,
        cast(mean_frequency as double) as mean_frequency,
        cast(mean_monetary as double) as mean_monetary,
        cast(mean_avg_order_value as double) as mean_avg_order_value,
        cast(mean_return_rate as double) as mean_return_rate,
        cast(mean_tenure_days as double) as mean_tenure_days
    from unioned

)

select * from final
