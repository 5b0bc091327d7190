{#- One row: the total net revenue forecast per day over the next value horizon (the served
    total forecast of forecast_served_results) against the actual per day over the same number of
    days up to as_of_date. Their ratio is the season factor that scales customer-level value
    predictions, which are learned on the last horizon, to the season ahead. -#}
{%- set horizon_days = var('prediction_value_horizon_days') %}

with

series_daily as (

    select * from {{ ref('int_forecast_series_daily') }}

),

served_forecasts as (

    select * from {{ ref('forecast_served_results') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

history as (

    select
        count(*) as history_days,
        sum(series_daily.sales_value) as history_net_revenue
    from series_daily
    cross join as_of_date
    where
        series_daily.series_level = 'total'
        and not series_daily.is_forecast_date
        and series_daily.sales_date > {{ dbt.dateadd('day', -horizon_days, 'as_of_date.as_of_date') }}

),

forecast as (

    select
        count(*) as forecast_days,
        sum(served_forecasts.forecast) as forecast_net_revenue
    from served_forecasts
    cross join as_of_date
    where
        served_forecasts.series_level = 'total'
        and served_forecasts.forecast_date <= {{ dbt.dateadd('day', horizon_days, 'as_of_date.as_of_date') }}

),

final as (

    select
        cast(history.history_days as integer) as history_days,
        cast(history.history_net_revenue as double) as history_net_revenue,
        cast(forecast.forecast_days as integer) as forecast_days,
        cast(forecast.forecast_net_revenue as double) as forecast_net_revenue,
        {{ ratio(
            'forecast.forecast_net_revenue * history.history_days',
            'history.history_net_revenue * forecast.forecast_days'
        ) }} as season_factor
    from history
    cross join forecast

)

select * from final
