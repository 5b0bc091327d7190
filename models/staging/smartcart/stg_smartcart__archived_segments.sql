{#- One row per segment archived by an earlier published build (raw.segment_history, its
    marts.segment_history carried forward by the build script), as archived then. -#}
with

source as (

    select * from {{ source('smartcart', 'segment_history') }}

),

final as (

    select
        build_id,
        as_of_date,
        cluster_id,
        segment_name,
        customer_count,
        share_of_customers,
        mean_recency_days,
        mean_frequency,
        mean_monetary,
        mean_avg_order_value,
        mean_return_rate,
        mean_tenure_days
    from source

)

select * from final
