{#- One row per forecast day archived by an earlier published build (raw.forecast_history,
    its marts.forecast_history carried forward by the build script), as archived then. -#}
with

source as (

    select * from {{ source('smartcart', 'forecast_history') }}

),

final as (

    select
        build_id,
        as_of_date,
        series_level,
        series_id,
        measure,
        model_name,
        forecast_date,
        horizon_day,
        horizon_bucket,
        is_closed,
        forecast,
        lower_80,
        upper_80,
        lower_95,
        upper_95,
        naive_forecast,
        backtest_mae,
        backtest_wape,
        backtest_mase,
        backtest_bias,
        backtest_coverage_80,
        backtest_coverage_95
    from source

)

select * from final
