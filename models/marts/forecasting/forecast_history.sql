{#- One row per forecast day of every published build: the forecasts archived by earlier
    builds as they were made (carried forward, so they survive a full rebuild), and this
    build's sales_forecast with the seasonal naive made at the same origin and what this
    build's backtest promised for the day's horizon bucket. -#}
{%- set backtest_horizon = var('forecast_backtest_horizon_days') %}
{#- The buckets of forecast_accuracy (smartcart_ml.forecasting._horizon_buckets), then the
    days beyond the backtest horizon. -#}
{%- set buckets = [] %}
{%- for lo, hi in [(1, 7), (8, 14), (15, backtest_horizon)] if lo <= backtest_horizon %}
    {%- do buckets.append((lo ~ '-' ~ [hi, backtest_horizon] | min, [hi, backtest_horizon] | min)) %}
{%- endfor %}
with

archived_forecasts as (

    select * from {{ ref('stg_smartcart__archived_forecasts') }}

),

this_build as (

    select * from {{ ref('int_builds_numbered') }}

),

forecasts as (

    select * from {{ ref('sales_forecast') }}

),

accuracy as (

    select * from {{ ref('forecast_accuracy') }}

),

series_daily as (

    select * from {{ ref('int_forecast_series_daily') }}

),

-- seasonal_naive_7 at this origin: per series and weekday, the value of the latest open day.
open_days as (

    select
        series_level,
        series_id,
        sales_value,
        {{ iso_day_of_week('sales_date') }} as iso_day_of_week,
        row_number() over (
            partition by series_level, series_id, {{ iso_day_of_week('sales_date') }}
            order by sales_date desc
        ) as recency
    from series_daily
    where not is_forecast_date and not is_closed

),

current_forecasts as (

    select
        this_build.build_id,
        forecasts.as_of_date,
        forecasts.series_level,
        forecasts.series_id,
        forecasts.measure,
        forecasts.model_name,
        forecasts.forecast_date,
        cast(forecasts.horizon_day as bigint) as horizon_day,
        case
            {%- for label, last_day in buckets %}
                when forecasts.horizon_day <= {{ last_day }} then '{{ label }}'
            {%- endfor %}
            else '{{ backtest_horizon + 1 }}-{{ var("forecast_horizon_days") }}'
        end as horizon_bucket,
        forecasts.is_closed,
        forecasts.forecast,
        forecasts.lower_80,
        forecasts.upper_80,
        forecasts.lower_95,
        forecasts.upper_95,
        case
            when forecasts.is_closed then 0
            else coalesce(open_days.sales_value, 0)
        end as naive_forecast
    from forecasts
    cross join this_build
    left join open_days
        on
            forecasts.series_level = open_days.series_level
            and forecasts.series_id = open_days.series_id
            and {{ iso_day_of_week('forecasts.forecast_date') }} = open_days.iso_day_of_week
            and open_days.recency = 1

),

promised as (

    select
        current_forecasts.*,
        accuracy.mae as backtest_mae,
        accuracy.wape as backtest_wape,
        accuracy.mase as backtest_mase,
        accuracy.bias as backtest_bias,
        accuracy.coverage_80 as backtest_coverage_80,
        accuracy.coverage_95 as backtest_coverage_95
    from current_forecasts
    left join accuracy
        on
            current_forecasts.series_level = accuracy.series_level
            and current_forecasts.series_id = accuracy.series_id
            and current_forecasts.model_name = accuracy.model_name
            and current_forecasts.horizon_bucket = accuracy.horizon_bucket

),

unioned as (

    select * from archived_forecasts
    union all
    select * from promised

),

final as (

    select
        cast(build_id as bigint) as build_id,
        as_of_date,
        series_level,
        series_id,
        measure,
        model_name,
        forecast_date,
        cast(horizon_day as bigint) as horizon_day,
        horizon_bucket,
        is_closed,
        cast(forecast as {{ money_type() }}) as forecast,
        cast(lower_80 as {{ money_type() }}) as lower_80,
        cast(upper_80 as {{ money_type() }}) as upper_80,
        cast(lower_95 as {{ money_type() }}) as lower_95,
        cast(upper_95 as {{ money_type() }}) as upper_95,
        cast(naive_forecast as {{ money_type() }}) as naive_forecast,
        cast(backtest_mae as {{ money_type() }}) as backtest_mae,
        cast(backtest_wape as {{ money_type() }}) as backtest_wape,
        cast(backtest_mase as {{ money_type() }}) as backtest_mase,
        cast(backtest_bias as {{ money_type() }}) as backtest_bias,
        cast(backtest_coverage_80 as {{ money_type() }}) as backtest_coverage_80,
        cast(backtest_coverage_95 as {{ money_type() }}) as backtest_coverage_95
    from unioned

)

select * from final
