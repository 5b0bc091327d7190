-- Rule: customers with identical recency, frequency or monetary value have identical R, F or M
-- scores (the tie rule of customer_rfm), and a better value never has a lower score. Returns the
-- values that break it. Values are oriented so that higher is better: recency counts negatively,
-- and no order at all (null recency) is the worst.
with

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

oriented as (

    select
        'recency' as measure,
        -1 * cast(coalesce(recency_days, 1000000) as decimal(18, 4)) as measure_value,
        r_score as score
    from customer_rfm
    union all
    select
        'frequency' as measure,
        cast(frequency as decimal(18, 4)) as measure_value,
        f_score as score
    from customer_rfm
    union all
    select
        'monetary' as measure,
        monetary as measure_value,
        m_score as score
    from customer_rfm

),

by_value as (

    select
        measure,
        measure_value,
        min(score) as min_score,
        max(score) as max_score
    from oriented
    group by measure, measure_value

),

ordered as (

    select
        *,
        max(max_score) over (
            partition by measure
            order by measure_value
            rows between unbounded preceding and 1 preceding
        ) as best_score_of_worse_values
    from by_value

)

select * from ordered
where min_score != max_score or best_score_of_worse_values > min_score
