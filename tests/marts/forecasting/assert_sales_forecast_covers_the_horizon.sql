-- Rule: every forecast series has one forecast per day from the day after as_of_date to
-- as_of_date + var forecast_horizon_days, no more, no fewer. Returns the series that do not.
with

series as (

    select * from {{ ref('int_forecast_series') }}

),

forecasts as (

    select * from {{ ref('sales_forecast') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

coverage as (

    select
        series.series_level,
        series.series_id,
        count(forecasts.forecast_date) as day_count,
        min(forecasts.forecast_date) as first_forecast_date,
        max(forecasts.forecast_date) as last_forecast_date
    from series
    left join forecasts
        on
            series.series_level = forecasts.series_level
            and series.series_id = forecasts.series_id
    group by series.series_level, series.series_id

)

select coverage.*
from coverage
cross join as_of_date
where
    coverage.day_count != {{ var('forecast_horizon_days') }}
    or coverage.first_forecast_date
    != cast({{ dbt.dateadd('day', 1, 'as_of_date.as_of_date') }} as date)
    or coverage.last_forecast_date
    != cast({{ dbt.dateadd('day', var('forecast_horizon_days'), 'as_of_date.as_of_date') }} as date)
