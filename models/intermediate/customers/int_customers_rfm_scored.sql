{#- RFM scoring as of as_of_date, the one place it is computed: customer_rfm publishes it,
    dim_customers and the segmentation read it here. Scores are percent-rank buckets, so
    identical values always share a score (doc def_rfm_score_rule); the segment comes from the
    editable seed rfm_segments. -#}
with

customers as (

    select * from {{ ref('int_customers_aggregated') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

measures as (

    select
        customers.customer_id,
        as_of_date.as_of_date,
        customers.first_order_date,
        customers.last_order_date,
        {{ dbt.datediff(
            'customers.last_order_date', 'as_of_date.as_of_date', 'day'
        ) }} as recency_days,
        customers.order_count as frequency,
        customers.net_revenue as monetary
    from customers
    cross join as_of_date

),

ranked as (

    {#- Worst first: the most days since the last order (no order at all ranks as the oldest),
        the fewest orders, the lowest net revenue. rank() gives ties the same rank. -#}
    select
        *,
        rank() over (
            order by case when recency_days is null then 0 else 1 end, recency_days desc
        ) as recency_rank,
        rank() over (order by frequency asc) as frequency_rank,
        rank() over (order by monetary asc) as monetary_rank,
        count(*) over () as customer_count
    from measures

),

scored as (

    select
        *,
        least(
            5,
            1 + cast(floor(coalesce(
                {{ ratio('(recency_rank - 1) * 5', 'customer_count - 1') }}, 0
            )) as integer)
        ) as r_score,
        least(
            5,
            1 + cast(floor(coalesce(
                {{ ratio('(frequency_rank - 1) * 5', 'customer_count - 1') }}, 0
            )) as integer)
        ) as f_score,
        least(
            5,
            1 + cast(floor(coalesce(
                {{ ratio('(monetary_rank - 1) * 5', 'customer_count - 1') }}, 0
            )) as integer)
        ) as m_score
    from ranked

),

combined as (

    select
        *,
        cast(floor({{ ratio('f_score + m_score + 1', '2') }}) as integer) as fm_score
    from scored

),

segmented as (

    select
        combined.*,
        rfm_segments.rfm_segment,
        rfm_segments.segment_rank
    from combined
    left join rfm_segments
        on
            combined.r_score between rfm_segments.r_score_min and rfm_segments.r_score_max
            and combined.fm_score between rfm_segments.fm_score_min and rfm_segments.fm_score_max

),

final as (

    select
        customer_id,
        as_of_date,
        first_order_date,
        last_order_date,
        cast(recency_days as integer) as recency_days,
        cast(frequency as integer) as frequency,
        cast(monetary as {{ money_type() }}) as monetary,
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score,
        fm_score,
        {{ dbt.concat([
            'cast(r_score as ' ~ dbt.type_string() ~ ')',
            'cast(f_score as ' ~ dbt.type_string() ~ ')',
            'cast(m_score as ' ~ dbt.type_string() ~ ')',
        ]) }} as rfm_cell,
        cast(r_score + f_score + m_score as integer) as rfm_total_score,
        rfm_segment,
        cast(segment_rank as integer) as segment_rank
    from segmented

)

select * from final
