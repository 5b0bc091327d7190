-- Rule: the customers are spread over exactly the chosen number of segments, and a single
-- segment only happens with a reason (degenerate data); with k >= 2 every segment holds at least
-- min_cluster_share of the customers. Returns the chosen fit when it breaks any of these.
with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

segmentation_diagnostics as (

    select * from {{ ref('segmentation_diagnostics') }}

),

chosen_fit as (

    select
        k,
        min_cluster_share,
        reason
    from segmentation_diagnostics
    where is_chosen

),

segment_sizes as (

    select
        cluster_id,
        count(*) as customer_count
    from customer_segments
    group by cluster_id

),

observed as (

    select
        count(*) as segment_count,
        min(segment_sizes.customer_count) as smallest_segment,
        sum(segment_sizes.customer_count) as customer_count
    from segment_sizes

)

select
    chosen_fit.k,
    chosen_fit.reason,
    observed.segment_count,
    observed.smallest_segment,
    observed.customer_count
from chosen_fit
cross join observed
where
    (observed.customer_count > 0 and observed.segment_count != chosen_fit.k)
    or (chosen_fit.k = 1 and chosen_fit.reason is null)
    or (chosen_fit.k > 1 and chosen_fit.reason is not null)
    or (
        chosen_fit.k > 1
        and observed.smallest_segment < chosen_fit.min_cluster_share * observed.customer_count
    )
