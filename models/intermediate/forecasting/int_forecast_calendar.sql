{#- The forecasting calendar: every day from the first sale to as_of_date + the forecast
    horizon, with the business's closures. History days are closed when nothing at all was
    sold; future days are closed on a weekday the business does not trade (no trading on at
    least 90% of its past days, over at least 4 of them) and, when the business did not
    trade on at least 90% of the past public holidays (at least 3), on public holidays. The
    holidays seed's store closures (is_closure) are applied per series, in
    int_forecast_series_daily. -#}
with

dates as (

    select * from {{ ref('dim_dates') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

holidays as (

    select * from {{ ref('holidays') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

trading_days as (

    select distinct invoice_date
    from sales_lines

),

days as (

    select
        dates.date_day,
        dates.iso_day_of_week,
        {{ dbt.datediff('as_of_date.as_of_date', 'dates.date_day', 'day') }}
            as days_after_as_of,
        holidays.holiday_name,
        holidays.holiday_date is not null as is_holiday,
        coalesce(holidays.is_closure, false) as is_store_closure,
        trading_days.invoice_date is not null as has_trading
    from dates
    cross join as_of_date
    left join holidays
        on dates.date_day = holidays.holiday_date
    left join trading_days
        on dates.date_day = trading_days.invoice_date
    where
        {{ dbt.datediff('as_of_date.as_of_date', 'dates.date_day', 'day') }}
        <= {{ var('forecast_horizon_days') }}

),

weekday_history as (

    select
        iso_day_of_week,
        count(*) as day_count,
        sum(case when has_trading then 1 else 0 end) as trading_day_count
    from days
    where days_after_as_of <= 0
    group by iso_day_of_week

),

weekly_closures as (

    select iso_day_of_week
    from weekday_history
    where day_count >= 4 and trading_day_count <= 0.1 * day_count

),

holiday_history as (

    select
        count(*) as holiday_count,
        sum(case when has_trading then 1 else 0 end) as trading_holiday_count
    from days
    where days_after_as_of <= 0 and is_holiday

),

holiday_closure as (

    select holiday_count >= 3 and trading_holiday_count <= 0.1 * holiday_count as closes_on_holidays
    from holiday_history

),

final as (

    select
        days.date_day,
        days.days_after_as_of > 0 as is_forecast_date,
        case when days.days_after_as_of > 0 then days.days_after_as_of end as horizon_day,
        days.iso_day_of_week,
        days.holiday_name,
        days.is_holiday,
        days.is_store_closure,
        case when days.days_after_as_of <= 0 then days.has_trading end as has_trading,
        weekly_closures.iso_day_of_week is not null as is_weekly_closure_day,
        case
            when days.days_after_as_of <= 0 then not days.has_trading
            else
                weekly_closures.iso_day_of_week is not null
                or (days.is_holiday and coalesce(holiday_closure.closes_on_holidays, false))
        end as is_business_closed
    from days
    cross join holiday_closure
    left join weekly_closures
        on days.iso_day_of_week = weekly_closures.iso_day_of_week

)

select * from final
