{#- One row per customer scored by an earlier published build (raw.prediction_history, its
    marts.prediction_history carried forward by the build script), as scored then. -#}
with

source as (

    select * from {{ source('smartcart', 'prediction_history') }}

),

final as (

    select
        build_id,
        as_of_date,
        customer_id,
        churn_probability,
        churn_risk_band,
        churn_model_name,
        churn_window_days,
        expected_orders_90d,
        expected_revenue_90d,
        value_model_name
    from source

)

select * from final
