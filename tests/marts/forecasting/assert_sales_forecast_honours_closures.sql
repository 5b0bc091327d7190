-- Rule: a day the forecasting input marks closed for a series (business closure, learnt
-- weekly or holiday closure, store closure of a physical-only series) is forecast closed, as
-- exactly 0. Returns the closed input days that are not.
with

series_daily as (

    select * from {{ ref('int_forecast_series_daily') }}
    where is_forecast_date and is_closed

),

forecasts as (

    select * from {{ ref('sales_forecast') }}

)

select
    series_daily.series_level,
    series_daily.series_id,
    series_daily.sales_date,
    forecasts.is_closed,
    forecasts.forecast,
    forecasts.upper_95
from series_daily
left join forecasts
    on
        series_daily.series_level = forecasts.series_level
        and series_daily.series_id = forecasts.series_id
        and series_daily.sales_date = forecasts.forecast_date
where
    forecasts.forecast_date is null
    or not forecasts.is_closed
    or forecasts.forecast != 0
    or forecasts.upper_95 != 0
