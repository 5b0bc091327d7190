{#- Point forecasts summed per calendar month. Interval bounds are left out on purpose: the sum
    of daily bounds is not an interval of the monthly total. -#}
with

daily as (

    select * from {{ ref('sales_forecast') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

monthly as (

    select
        daily.series_level,
        daily.series_id,
        daily.series_name,
        daily.measure,
        dates.month_start_date,
        sum(daily.forecast) as forecast,
        count(*) as forecast_day_count,
        sum(case when daily.is_closed then 0 else 1 end) as open_day_count,
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
        dates.month_start_date

),

month_lengths as (

    select
        *,
        {{ days_in_month('month_start_date') }} as days_in_month
    from monthly

),

final as (

    select
        series_level,
        series_id,
        series_name,
        measure,
        month_start_date,
        cast(forecast as {{ money_type() }}) as forecast,
        cast(forecast_day_count as integer) as forecast_day_count,
        cast(open_day_count as integer) as open_day_count,
        forecast_day_count = days_in_month as is_complete_month,
        model_name,
        as_of_date
    from month_lengths

)

select * from final
