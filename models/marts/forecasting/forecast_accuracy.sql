with

backtest as (

    select * from {{ ref('forecast_backtest_results') }}

),

served as (

    select * from {{ ref('forecast_served_results') }}

),

series as (

    select * from {{ ref('int_forecast_series') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

served_models as (

    select distinct
        series_level,
        series_id,
        model_name
    from served

),

final as (

    select
        backtest.series_level,
        backtest.series_id,
        series.series_name,
        series.measure,
        backtest.model_name,
        backtest.horizon_bucket,
        {{ money_from_float('backtest.mae') }} as mae,
        {{ money_from_float('backtest.wape') }} as wape,
        {{ money_from_float('backtest.mase') }} as mase,
        {{ money_from_float('backtest.bias') }} as bias,
        {{ money_from_float('backtest.coverage_80') }} as coverage_80,
        {{ money_from_float('backtest.coverage_95') }} as coverage_95,
        cast(backtest.n_origins as integer) as n_origins,
        cast(backtest.n_points as integer) as n_points,
        served_models.model_name is not null as is_chosen,
        as_of_date.as_of_date
    from backtest
    inner join series
        on
            backtest.series_level = series.series_level
            and backtest.series_id = series.series_id
    left join served_models
        on
            backtest.series_level = served_models.series_level
            and backtest.series_id = served_models.series_id
            and backtest.model_name = served_models.model_name
    cross join as_of_date

)

select * from final
