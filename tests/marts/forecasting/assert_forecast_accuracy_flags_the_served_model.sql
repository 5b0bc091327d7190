-- Rule: for every backtested series and horizon bucket, exactly one model is flagged
-- is_chosen, and it is the model that serves the series in sales_forecast. Returns the
-- series × bucket pairs where that fails.
with

accuracy as (

    select * from {{ ref('forecast_accuracy') }}

),

served as (

    select distinct
        series_level,
        series_id,
        model_name
    from {{ ref('sales_forecast') }}

),

chosen as (

    select
        series_level,
        series_id,
        horizon_bucket,
        sum(case when is_chosen then 1 else 0 end) as chosen_count,
        max(case when is_chosen then model_name end) as chosen_model
    from accuracy
    group by series_level, series_id, horizon_bucket

)

select
    chosen.series_level,
    chosen.series_id,
    chosen.horizon_bucket,
    chosen.chosen_count,
    chosen.chosen_model,
    served.model_name as served_model
from chosen
left join served
    on
        chosen.series_level = served.series_level
        and chosen.series_id = served.series_id
where
    chosen.chosen_count != 1
    or served.model_name is null
    or chosen.chosen_model != served.model_name
