{#- One row per customer scored by every published build: the predictions archived by earlier
    builds as they were made (carried forward, so they survive a full rebuild) and this
    build's customer_predictions, with the churn window they were made for. -#}
with

archived_predictions as (

    select * from {{ ref('stg_smartcart__archived_predictions') }}

),

customer_predictions as (

    select * from {{ ref('customer_predictions') }}

),

this_build as (

    select * from {{ ref('int_builds_numbered') }}

),

current_predictions as (

    select
        this_build.build_id,
        customer_predictions.as_of_date,
        customer_predictions.customer_id,
        customer_predictions.churn_probability,
        customer_predictions.churn_risk_band,
        customer_predictions.churn_model_name,
        {{ var('churn_window_days') }} as churn_window_days,
        customer_predictions.expected_orders_90d,
        customer_predictions.expected_revenue_90d,
        customer_predictions.value_model_name
    from customer_predictions
    cross join this_build

),

unioned as (

    select * from archived_predictions
    union all
    select * from current_predictions

),

final as (

    select
        cast(build_id as bigint) as build_id,
        as_of_date,
        customer_id,
        cast(churn_probability as double) as churn_probability,
        churn_risk_band,
        churn_model_name,
        cast(churn_window_days as integer) as churn_window_days,
        cast(expected_orders_90d as double) as expected_orders_90d,
        cast(expected_revenue_90d as {{ money_type() }}) as expected_revenue_90d,
        value_model_name
    from unioned

)

select * from final
