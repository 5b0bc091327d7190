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
        cast(served.forecast as {{ money_type() }}) as forecast,
        cast(served.lower_80 as {{ money_type() }}) as lower_80,
        cast(served.upper_80 as {{ money_type() }}) as upper_80,
        cast(served.lower_95 as {{ money_type() }}) as lower_95,
        cast(served.upper_95 as {{ money_type() }}) as upper_95,
        cast(served.base_forecast as {{ money_type() }}) as base_forecast,
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
