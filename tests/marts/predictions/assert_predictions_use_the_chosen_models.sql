-- Each target has exactly one chosen model in prediction_accuracy, and customer_predictions
-- uses it (unless the chosen value model could not be refitted as of as_of_date, which the
-- prediction_note says). Returns the targets that break the rule.
with

accuracy as (

    select * from {{ ref('prediction_accuracy') }}

),

predictions as (

    select * from {{ ref('customer_predictions') }}

),

chosen as (

    select
        target,
        count(distinct model_name) as chosen_models,
        max(model_name) as model_name
    from accuracy
    where is_chosen
    group by target

),

served as (

    select distinct
        'churn' as prediction_target,
        churn_model_name as model_name,
        prediction_note
    from predictions
    union all
    select distinct
        'value' as prediction_target,
        value_model_name as model_name,
        prediction_note
    from predictions

),

final as (

    select
        coalesce(chosen.target, served.prediction_target) as prediction_target,
        chosen.chosen_models,
        chosen.model_name as chosen_model_name,
        served.model_name as served_model_name
    from chosen
    full outer join served
        on chosen.target = served.prediction_target
    where
        coalesce(chosen.chosen_models, 0) != 1
        or (chosen.model_name != served.model_name and served.prediction_note is null)

)

select * from final
