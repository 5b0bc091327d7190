-- Rule: segment_profiles describes exactly the segments of customer_segments: same clusters,
-- names and customer counts, and the shares of customers add up to 1. Returns the clusters that
-- differ, and a row with cluster_id -1 when the shares do not add up.
with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

segment_profiles as (

    select * from {{ ref('segment_profiles') }}

),

counted as (

    select
        cluster_id,
        segment_name,
        count(*) as customer_count
    from customer_segments
    group by cluster_id, segment_name

),

compared as (

    select
        coalesce(counted.cluster_id, segment_profiles.cluster_id) as cluster_id,
        counted.customer_count as counted_customers,
        segment_profiles.customer_count as profiled_customers
    from counted
    full outer join segment_profiles
        on
            counted.cluster_id = segment_profiles.cluster_id
            and counted.segment_name = segment_profiles.segment_name

),

share_total as (

    select
        -1 as cluster_id,
        null as counted_customers,
        null as profiled_customers,
        sum(share_of_customers) as share_of_customers
    from segment_profiles

)

select
    cluster_id,
    counted_customers,
    profiled_customers,
    null as share_of_customers
from compared
where counted_customers is null or profiled_customers is null or counted_customers != profiled_customers
union all
select * from share_total
where abs(share_of_customers - 1) > 1e-9
