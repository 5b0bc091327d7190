-- Rule: coherence. Every day, the reconciled forecasts of the regions, of the stores and of
-- the categories each add up to the total's forecast (within rounding: 4 decimals per row).
-- Returns the level × day pairs that do not.
with

forecasts as (

    select * from {{ ref('sales_forecast') }}

),

totals as (

    select
        forecast_date,
        forecast as total_forecast
    from forecasts
    where series_level = 'total'

),

level_sums as (

    select
        series_level,
        forecast_date,
        count(*) as member_count,
        sum(forecast) as member_forecast
    from forecasts
    where series_level in ('region', 'store', 'category')
    group by series_level, forecast_date

)

select
    level_sums.series_level,
    level_sums.forecast_date,
    level_sums.member_forecast,
    totals.total_forecast
from level_sums
left join totals
    on level_sums.forecast_date = totals.forecast_date
where
    totals.total_forecast is null
    or abs(level_sums.member_forecast - totals.total_forecast) > 0.0001 * level_sums.member_count
