-- Rule: the rules of the seed rfm_segments cover each of the 25 (r_score, fm_score) pairs
-- exactly once, so every customer gets one segment whatever a marketer edits. Returns the pairs
-- matched by no rule or by several.
with

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

scores as (

    select score_values.score
    from (values (1), (2), (3), (4), (5)) as score_values (score)

),

cells as (

    select
        r_scores.score as r_score,
        fm_scores.score as fm_score
    from scores as r_scores
    cross join scores as fm_scores

),

matches as (

    select
        cells.r_score,
        cells.fm_score,
        count(rfm_segments.segment_rule_id) as matching_rules
    from cells
    left join rfm_segments
        on
            cells.r_score between rfm_segments.r_score_min and rfm_segments.r_score_max
            and cells.fm_score between rfm_segments.fm_score_min and rfm_segments.fm_score_max
    group by cells.r_score, cells.fm_score

)

select * from matches
where matching_rules != 1
