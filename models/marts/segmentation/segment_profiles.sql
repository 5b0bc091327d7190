{#- Python's summary (sizes, feature means, description) joined to each segment's own history in
    money (int_segments_aggregated), which the campaign simulation reads. -#}
with

segment_profile_results as (

    select * from {{ ref('segment_profile_results') }}

),

segments as (

    select * from {{ ref('int_segments_aggregated') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

shares as (

    select
        segments.*,
        {{ ratio(
            'cast(segments.customer_count as double)', 'sum(segments.customer_count) over ()'
        ) }} as share_of_customers,
        {{ ratio(
            'cast(segments.net_revenue as double)', 'sum(segments.net_revenue) over ()'
        ) }} as share_of_net_revenue
    from segments

),

final as (

    select
        cast(segment_profile_results.cluster_id as integer) as cluster_id,
        cast(segment_profile_results.segment_name as {{ dbt.type_string() }}) as segment_name,
        as_of_date.as_of_date,
        shares.customer_count,
        shares.share_of_customers,
        shares.order_count,
        shares.net_revenue,
        shares.share_of_net_revenue,
        {{ money_from_float(ratio('shares.net_revenue', 'shares.order_count')) }}
            as net_revenue_per_order,
        shares.net_revenue_with_known_cost,
        shares.margin_amount,
        {{ ratio(
            'cast(shares.margin_amount as double)', 'shares.net_revenue_with_known_cost'
        ) }} as margin_rate,
        cast(segment_profile_results.mean_recency_days as double) as mean_recency_days,
        cast(segment_profile_results.mean_frequency as double) as mean_frequency,
        cast(segment_profile_results.mean_monetary as double) as mean_monetary,
        cast(segment_profile_results.mean_avg_order_value as double) as mean_avg_order_value,
        cast(segment_profile_results.mean_avg_days_between_orders as double)
            as mean_avg_days_between_orders,
        cast(segment_profile_results.mean_return_rate as double) as mean_return_rate,
        cast(segment_profile_results.mean_tenure_days as double) as mean_tenure_days,
        cast(segment_profile_results.mean_age as double) as mean_age,
        cast(segment_profile_results.description as {{ dbt.type_string() }}) as description,
        cast(segment_profile_results.reason as {{ dbt.type_string() }}) as reason
    from segment_profile_results
    inner join shares
        on segment_profile_results.cluster_id = shares.cluster_id
    cross join as_of_date

)

select * from final
