{#- Thin contract over the scikit-learn assignments (customer_segment_results), with the number of
    segments of the fit on every row. -#}
with

customer_segment_results as (

    select * from {{ ref('customer_segment_results') }}

),

segmentation_search_results as (

    select * from {{ ref('segmentation_search_results') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

chosen_fit as (

    select k as segment_count
    from segmentation_search_results
    where is_chosen

),

final as (

    select
        cast(customer_segment_results.customer_id as {{ dbt.type_string() }}) as customer_id,
        as_of_date.as_of_date,
        cast(customer_segment_results.cluster_id as integer) as cluster_id,
        cast(customer_segment_results.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(customer_segment_results.distance_to_centroid as double)
            as distance_to_centroid,
        cast(chosen_fit.segment_count as integer) as segment_count
    from customer_segment_results
    cross join chosen_fit
    cross join as_of_date

)

select * from final
