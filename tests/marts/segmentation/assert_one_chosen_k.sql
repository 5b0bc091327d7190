-- Rule: the candidate search chose exactly one k, that k was not rejected, and a chosen k >= 2
-- has its bootstrap stability. Returns the search's summary when it breaks this.
with

segmentation_diagnostics as (

    select * from {{ ref('segmentation_diagnostics') }}

),

summary as (

    select
        sum(case when is_chosen then 1 else 0 end) as chosen_rows,
        sum(case when is_chosen and is_rejected then 1 else 0 end) as chosen_rejected_rows,
        sum(case when is_chosen and k > 1 and bootstrap_stability is null then 1 else 0 end)
            as chosen_without_stability_rows
    from segmentation_diagnostics

)

select * from summary
where chosen_rows != 1 or chosen_rejected_rows > 0 or chosen_without_stability_rows > 0
