{#- Typed, contracted backtest of every churn and value candidate, from the Python model
    prediction_backtest_results. -#}
with

backtest as (

    select * from {{ ref('prediction_backtest_results') }}

),

final as (

    select
        target,
        model_name,
        evaluation_bucket,
        cast(customers_scored as integer) as customers_scored,
        cast(auc as double) as auc,
        cast(brier_score as double) as brier_score,
        cast(mean_predicted as double) as mean_predicted,
        cast(mean_observed as double) as mean_observed,
        cast(mae_per_customer as double) as mae_per_customer,
        {{ money_from_float('total_predicted') }} as total_predicted,
        {{ money_from_float('total_actual') }} as total_actual,
        cast(total_error_share as double) as total_error_share,
        is_chosen,
        cast(note as {{ dbt.type_string() }}) as note
    from backtest

)

select * from final
