{#- The forecasting input: every series zero-filled over every day from its first sale to
    as_of_date, plus its horizon days (value null), with the days it is closed. A series is
    closed when the business is (int_forecast_calendar) and, if all its sales are in
    physical stores, on the holidays seed's store closures (in the history only when it sold
    nothing that day). Read by the forecasting Python models in one query. -#}
{{ config(materialized='table') }}

with

series as (

    select * from {{ ref('int_forecast_series') }}

),

series_lines as (

    select * from {{ ref('int_forecast_series_lines') }}

),

calendar as (

    select * from {{ ref('int_forecast_calendar') }}

),

daily_sales as (

    select
        series_lines.series_level,
        series_lines.series_id,
        series_lines.invoice_date,
        count(*) as product_line_count,
        sum(
            case
                when series.measure = 'units' then series_lines.quantity
                else series_lines.net_amount
            end
        ) as sales_value
    from series_lines
    inner join series
        on
            series_lines.series_level = series.series_level
            and series_lines.series_id = series.series_id
    group by series_lines.series_level, series_lines.series_id, series_lines.invoice_date

),

series_days as (

    select
        series.series_level,
        series.series_id,
        series.measure,
        series.is_physical_only,
        calendar.date_day,
        calendar.is_forecast_date,
        calendar.horizon_day,
        calendar.is_business_closed,
        calendar.is_store_closure
    from series
    inner join calendar
        on series.first_sales_date <= calendar.date_day

),

final as (

    select
        series_days.series_level,
        series_days.series_id,
        series_days.date_day as sales_date,
        series_days.measure,
        series_days.is_forecast_date,
        series_days.horizon_day,
        case
            when not series_days.is_forecast_date
                then cast(coalesce(daily_sales.sales_value, 0) as {{ money_type() }})
        end as sales_value,
        case
            when not series_days.is_forecast_date then coalesce(daily_sales.product_line_count, 0)
        end as product_line_count,
        series_days.is_business_closed
        or (
            series_days.is_store_closure
            and series_days.is_physical_only
            and (series_days.is_forecast_date or daily_sales.product_line_count is null)
        ) as is_closed
    from series_days
    left join daily_sales
        on
            series_days.series_level = daily_sales.series_level
            and series_days.series_id = daily_sales.series_id
            and series_days.date_day = daily_sales.invoice_date

)

select * from final
