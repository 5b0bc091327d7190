{#- The candidate search as BI reads it: one row per candidate k (plus k = 1 when no k >= 2 was
    usable), with the decision in words. -#}
with

segmentation_search_results as (

    select * from {{ ref('segmentation_search_results') }}

),

best as (

    select max(silhouette) as best_silhouette
    from segmentation_search_results
    where not is_rejected

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        cast(segmentation_search_results.k as integer) as k,
        as_of_date.as_of_date,
        cast(segmentation_search_results.inertia as double) as inertia,
        cast(segmentation_search_results.silhouette as double) as silhouette,
        cast(segmentation_search_results.smallest_cluster_share as double)
            as smallest_cluster_share,
        cast(segmentation_search_results.min_cluster_share as double) as min_cluster_share,
        cast(segmentation_search_results.silhouette_tolerance as double) as silhouette_tolerance,
        cast(segmentation_search_results.min_stability as double) as min_stability,
        cast(segmentation_search_results.is_rejected as boolean) as is_rejected,
        cast(segmentation_search_results.is_chosen as boolean) as is_chosen,
        cast(segmentation_search_results.bootstrap_stability as double)
            as bootstrap_stability,
        cast(case
            when segmentation_search_results.is_chosen and segmentation_search_results.k = 1
                then 'chosen: one segment (see reason)'
            when
                segmentation_search_results.is_chosen
                and segmentation_search_results.bootstrap_stability
                < segmentation_search_results.min_stability
                then 'chosen: the most stable k within silhouette_tolerance (none reaches min_stability)'
            when segmentation_search_results.is_chosen
                then 'chosen: largest stable k within silhouette_tolerance of the best silhouette'
            when segmentation_search_results.inertia is null
                then 'not fitted: more clusters than distinct customer profiles'
            when segmentation_search_results.is_rejected
                then 'rejected: smallest cluster below min_cluster_share'
            when segmentation_search_results.silhouette is null then 'not chosen: silhouette not computable'
            when
                segmentation_search_results.silhouette
                < best.best_silhouette - segmentation_search_results.silhouette_tolerance
                then 'not chosen: silhouette more than silhouette_tolerance below the best'
            when segmentation_search_results.bootstrap_stability < segmentation_search_results.min_stability
                then 'not chosen: bootstrap stability below min_stability'
            else 'not chosen: a larger k within silhouette_tolerance is stable'
        end as {{ dbt.type_string() }}) as decision,
        cast(segmentation_search_results.reason as {{ dbt.type_string() }}) as reason
    from segmentation_search_results
    cross join as_of_date
    cross join best

)

select * from final
