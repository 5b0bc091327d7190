{#- Point forecasts summed per week. Interval bounds are left out on purpose: the sum of daily
    bounds is not an interval of the weekly total (days are not perfectly correlated). -#}
with

daily as (

    select * from {{ ref('sales_forecast') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

final as (

    select
        daily.series_level,
        daily.series_id,
        daily.series_name,
        daily.measure,
        dates.week_start_date,
        cast(sum(daily.forecast) as {{ money_type() }}) as forecast,
        cast(count(*) as integer) as forecast_day_count,
        cast(sum(case when daily.is_closed then 0 else 1 end) as integer) as open_day_count,
        count(*) = 7 as is_complete_week,
        max(daily.model_name) as model_name,
        max(daily.as_of_date) as as_of_date
    from daily
    inner join dates
        on daily.forecast_date = dates.date_day
    group by
        daily.series_level,
        daily.series_id,
        daily.series_name,
        daily.measure,
        dates.week_start_date

)

select * from final
