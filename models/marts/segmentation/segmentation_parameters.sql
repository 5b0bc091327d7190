{#- The fitted model as a table. Its post-hook (YAML) creates marts.customer_segment_for, which
    scores a customer with these rows (doc segment_scorer). -#}
with

segmentation_model_results as (

    select * from {{ ref('segmentation_model_results') }}

),

final as (

    select
        cast(cluster_id as integer) as cluster_id,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(feature_order as integer) as feature_order,
        cast(fill_value as double) as fill_value,
        cast(cap_lower as double) as cap_lower,
        cast(cap_upper as double) as cap_upper,
        cast(log_transform as boolean) as log_transform,
        cast(center as double) as center,
        cast(scale as double) as scale,
        cast(z_limit as double) as z_limit,
        cast(centroid as double) as centroid,
        cast(segment_name as {{ dbt.type_string() }}) as segment_name
    from segmentation_model_results

)

select * from final
