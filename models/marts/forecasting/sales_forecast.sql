with

served as (

    select * from {{ ref('forecast_served_results') }}

),

series as (

    select * from {{ ref('int_forecast_series') }}

),

calendar as (

    select * from {{ ref('int_forecast_calendar') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        served.series_level,
        served.series_id,
        series.series_name,
        series.measure,
        cast(served.forecast_date as date) as forecast_date,
        cast(calendar.horizon_day as bigint) as horizon_day,
        served.is_closed,
        served.model_name,
        {{ money_from_float('served.forecast') }} as forecast,
        {{ money_from_float('served.lower_80') }} as lower_80,
        {{ money_from_float('served.upper_80') }} as upper_80,
        {{ money_from_float('served.lower_95') }} as lower_95,
        {{ money_from_float('served.upper_95') }} as upper_95,
        {{ money_from_float('served.base_forecast') }} as base_forecast,
        served.is_reconciled,
        nullif(served.forecast_note, '') as forecast_note,
        as_of_date.as_of_date
    from served
    inner join series
        on
            served.series_level = series.series_level
            and served.series_id = series.series_id
    left join calendar
        on cast(served.forecast_date as date) = calendar.date_day
    cross join as_of_date

)

select * from final
