{#- One row per archived forecast day whose date has since been observed (grain: build_id ×
    series_level × series_id × forecast_date): open in the forecast and in this build's
    actuals, on or before as_of_date. The live errors forecast_tracking and model_drift
    aggregate. -#}
with

forecast_history as (

    select * from {{ ref('forecast_history') }}

),

series_daily as (

    select * from {{ ref('int_forecast_series_daily') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        forecast_history.build_id,
        forecast_history.as_of_date as origin_date,
        forecast_history.series_level,
        forecast_history.series_id,
        forecast_history.measure,
        forecast_history.model_name,
        forecast_history.forecast_date,
        forecast_history.horizon_day,
        forecast_history.horizon_bucket,
        forecast_history.forecast,
        forecast_history.naive_forecast,
        series_daily.sales_value as actual,
        -- Spark widens a difference of two decimal(18,4) to decimal(19,4); DuckDB keeps 18.
        cast(forecast_history.forecast - series_daily.sales_value as {{ money_type() }}) as forecast_error,
        cast(forecast_history.naive_forecast - series_daily.sales_value as {{ money_type() }}) as naive_error,
        coalesce(
            series_daily.sales_value
            between forecast_history.lower_80 and forecast_history.upper_80,
            false
        ) as is_in_80,
        coalesce(
            series_daily.sales_value
            between forecast_history.lower_95 and forecast_history.upper_95,
            false
        ) as is_in_95,
        forecast_history.backtest_mae,
        forecast_history.backtest_wape,
        forecast_history.backtest_mase,
        forecast_history.backtest_bias,
        forecast_history.backtest_coverage_80,
        forecast_history.backtest_coverage_95,
        as_of_date.as_of_date
    from forecast_history
    inner join series_daily
        on
            forecast_history.series_level = series_daily.series_level
            and forecast_history.series_id = series_daily.series_id
            and forecast_history.forecast_date = series_daily.sales_date
    cross join as_of_date
    where
        forecast_history.forecast_date <= as_of_date.as_of_date
        and not series_daily.is_forecast_date
        and not series_daily.is_closed
        and not forecast_history.is_closed

)

select * from final
