{#- One row per series × model × horizon bucket with archived forecasts whose dates have since
    been observed: the live errors of every earlier build's forecasts against what happened,
    beside what those builds' backtests promised. `all` is every day within the backtest
    horizon, as in forecast_accuracy. -#}
with

observations as (

    select * from {{ ref('forecast_observations') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

-- Every observation counts in its own bucket and, within the backtest horizon, in `all`.
scopes as (

    select 'bucket' as scope
    union all
    select 'all' as scope

),

bucketed as (

    select
        observations.*,
        case
            when scopes.scope = 'all' then 'all' else observations.horizon_bucket
        end as scored_bucket
    from observations
    inner join scopes
        on
            scopes.scope = 'bucket'
            or observations.horizon_day <= {{ var('forecast_backtest_horizon_days') }}

),

scored as (

    select
        series_level,
        series_id,
        measure,
        model_name,
        scored_bucket as horizon_bucket,
        count(distinct build_id) as build_count,
        min(origin_date) as first_origin_date,
        max(origin_date) as last_origin_date,
        count(*) as n_points,
        avg(abs(forecast_error)) as mae,
        sum(abs(forecast_error)) / nullif(sum(abs(actual)), 0) as wape,
        sum(abs(forecast_error)) / nullif(sum(abs(naive_error)), 0) as mase,
        avg(forecast_error) as bias,
        avg(case when is_in_80 then 1.0 else 0.0 end) as coverage_80,
        avg(case when is_in_95 then 1.0 else 0.0 end) as coverage_95,
        -- forecast_history archives each day's own bucket's promise, not the backtest's
        -- `all` promise: left null for `all`.
        case when scored_bucket != 'all' then avg(backtest_mae) end as backtest_mae,
        case when scored_bucket != 'all' then avg(backtest_wape) end as backtest_wape,
        case when scored_bucket != 'all' then avg(backtest_mase) end as backtest_mase,
        case when scored_bucket != 'all' then avg(backtest_bias) end as backtest_bias,
        case when scored_bucket != 'all' then avg(backtest_coverage_80) end
            as backtest_coverage_80,
        case when scored_bucket != 'all' then avg(backtest_coverage_95) end
            as backtest_coverage_95
    from bucketed
    group by series_level, series_id, measure, model_name, scored_bucket

),

final as (

    select
        scored.series_level,
        scored.series_id,
        scored.measure,
        scored.model_name,
        scored.horizon_bucket,
        cast(scored.build_count as integer) as build_count,
        scored.first_origin_date,
        scored.last_origin_date,
        cast(scored.n_points as integer) as n_points,
        cast(scored.mae as {{ money_type() }}) as mae,
        cast(scored.wape as {{ money_type() }}) as wape,
        cast(scored.mase as {{ money_type() }}) as mase,
        cast(scored.bias as {{ money_type() }}) as bias,
        cast(scored.coverage_80 as {{ money_type() }}) as coverage_80,
        cast(scored.coverage_95 as {{ money_type() }}) as coverage_95,
        cast(scored.backtest_mae as {{ money_type() }}) as backtest_mae,
        cast(scored.backtest_wape as {{ money_type() }}) as backtest_wape,
        cast(scored.backtest_mase as {{ money_type() }}) as backtest_mase,
        cast(scored.backtest_bias as {{ money_type() }}) as backtest_bias,
        cast(scored.backtest_coverage_80 as {{ money_type() }}) as backtest_coverage_80,
        cast(scored.backtest_coverage_95 as {{ money_type() }}) as backtest_coverage_95,
        as_of_date.as_of_date
    from scored
    cross join as_of_date

)

select * from final
