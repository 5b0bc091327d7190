{#- Typed, contracted churn risk and customer value of every known customer as of as_of_date,
    from the Python model customer_prediction_results. -#}
with

results as (

    select * from {{ ref('customer_prediction_results') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        results.customer_id,
        as_of_date.as_of_date,
        cast(results.churn_probability as double) as churn_probability,
        results.churn_risk_band,
        cast(results.expected_orders_90d as double) as expected_orders_90d,
        {{ money_from_float('results.expected_revenue_90d') }} as expected_revenue_90d,
        {{ money_from_float('results.clv_365d') }} as clv_365d,
        results.clv_tier,
        cast(results.probability_alive as double) as probability_alive,
        results.churn_model_name,
        results.value_model_name,
        cast(results.season_factor as double) as season_factor,
        cast(results.prediction_note as {{ dbt.type_string() }}) as prediction_note
    from results
    cross join as_of_date

)

select * from final
