{#- One row per monitored subject (grain: drift_kind × subject), flagged in plain words:
    - segment_share: each segment name of the latest two builds in segment_history; drift when
      its share of customers moved by more than var drift_segment_share_threshold (a segment
      that appeared or vanished counts from 0);
    - forecast_error: each series × model with observed forecasts (forecast_observations,
      days within the backtest horizon); drift when, in each of the last var
      drift_forecast_weeks consecutive weeks of forecast dates, the live MAE was above the
      MAE its backtests promised for the same days;
    - churn_band: each churn risk band of the latest build in churn_band_tracking (the latest
      whose churn window has closed); drift when the share of its customers that churned is
      more than var drift_churn_band_threshold from the churn probability it predicted. -#}
{%- set share_threshold = var('drift_segment_share_threshold') %}
{%- set weeks = var('drift_forecast_weeks') %}
with

segment_history as (

    select * from {{ ref('segment_history') }}

),

observations as (

    select * from {{ ref('forecast_observations') }}

),

churn_bands as (

    select * from {{ ref('churn_band_tracking') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

segment_builds as (

    select distinct
        build_id,
        as_of_date
    from segment_history

),

ranked_builds as (

    select
        build_id,
        as_of_date,
        dense_rank() over (order by build_id desc) as build_rank
    from segment_builds

),

previous_build as (

    select * from ranked_builds
    where build_rank = 2

),

segment_shares as (

    select
        segment_history.segment_name,
        ranked_builds.build_rank,
        sum(segment_history.share_of_customers) as share_of_customers
    from segment_history
    inner join ranked_builds
        on segment_history.build_id = ranked_builds.build_id
    where ranked_builds.build_rank <= 2
    group by segment_history.segment_name, ranked_builds.build_rank

),

latest_shares as (

    select * from segment_shares
    where build_rank = 1

),

earlier_shares as (

    select * from segment_shares
    where build_rank = 2

),

segment_pairs as (

    select
        coalesce(latest.segment_name, earlier.segment_name) as segment_name,
        coalesce(latest.share_of_customers, 0) as current_value,
        coalesce(earlier.share_of_customers, 0) as reference_value,
        abs(coalesce(latest.share_of_customers, 0) - coalesce(earlier.share_of_customers, 0))
        > {{ share_threshold }} as is_drift
    from latest_shares as latest
    full outer join earlier_shares as earlier
        on latest.segment_name = earlier.segment_name

),

segment_drift as (

    select
        'segment_share' as drift_kind,
        segment_pairs.segment_name as subject,
        previous_build.build_id as reference_build_id,
        segment_pairs.current_value,
        segment_pairs.reference_value,
        {{ share_threshold }} as threshold,
        segment_pairs.is_drift,
        'Segment ' || segment_pairs.segment_name || ' holds '
        || cast(round(100 * segment_pairs.current_value, 1) as {{ dbt.type_string() }}) || '% of customers, '
        || cast(round(100 * segment_pairs.reference_value, 1) as {{ dbt.type_string() }}) || '% at build '
        || cast(previous_build.build_id as {{ dbt.type_string() }}) || ' (as of '
        || cast(previous_build.as_of_date as {{ dbt.type_string() }}) || '): '
        || case when segment_pairs.is_drift then 'moved by more than' else 'within' end
        || ' the ' || cast(round(100 * {{ share_threshold }}, 1) as {{ dbt.type_string() }})
        || '-point threshold.' as finding
    from segment_pairs
    cross join previous_build

),

forecast_weeks as (

    select
        series_level,
        series_id,
        model_name,
        cast({{ dbt.date_trunc('week', 'forecast_date') }} as date) as week_start_date,
        cast(avg(abs(forecast_error)) as double) as live_mae,
        cast(avg(backtest_mae) as double) as promised_mae
    from observations
    where backtest_mae is not null
    group by
        series_level,
        series_id,
        model_name,
        cast({{ dbt.date_trunc('week', 'forecast_date') }} as date)

),

recent_weeks as (

    select
        *,
        row_number() over (
            partition by series_level, series_id, model_name order by week_start_date desc
        ) as week_recency
    from forecast_weeks

),

forecast_streaks as (

    select
        series_level,
        series_id,
        model_name,
        count(*) as weeks_checked,
        sum(case when live_mae > promised_mae then 1 else 0 end) as weeks_above,
        max(case when week_recency = 1 then live_mae end) as latest_live_mae,
        max(case when week_recency = 1 then promised_mae end) as latest_promised_mae,
        min(week_start_date) as first_week_date,
        max(week_start_date) as last_week_date
    from recent_weeks
    where week_recency <= {{ weeks }}
    group by series_level, series_id, model_name

),

forecast_spans as (

    select
        *,
        {{ dbt.datediff('first_week_date', 'last_week_date', 'day') }}
            as week_span_days
    from forecast_streaks

),

forecast_flags as (

    select
        *,
        weeks_checked = {{ weeks }}
        and weeks_above = {{ weeks }}
        and week_span_days = {{ 7 * (weeks - 1) }} as is_drift
    from forecast_spans

),

forecast_drift as (

    select
        'forecast_error' as drift_kind,
        series_level || ' ' || series_id || ' by ' || model_name as subject,
        cast(null as bigint) as reference_build_id,
        latest_live_mae as current_value,
        latest_promised_mae as reference_value,
        {{ weeks }} as threshold,
        is_drift,
        'Forecast of ' || series_level || ' ' || series_id || ' by ' || model_name || ': '
        || case
            when is_drift
                then 'error above its backtest MAE in each of the last {{ weeks }} weeks'
            else
                'error above its backtest MAE in ' || cast(weeks_above as {{ dbt.type_string() }})
                || ' of the last ' || cast(weeks_checked as {{ dbt.type_string() }})
                || ' observed weeks (flagged at {{ weeks }} in a row)'
        end
        || '; latest week: live MAE ' || cast(round(latest_live_mae, 2) as {{ dbt.type_string() }})
        || ', promised ' || cast(round(latest_promised_mae, 2) as {{ dbt.type_string() }}) || '.' as finding
    from forecast_flags

),

latest_churn_build as (

    select max(build_id) as build_id
    from churn_bands

),

latest_churn_bands as (

    select churn_bands.*
    from churn_bands
    inner join latest_churn_build
        on churn_bands.build_id = latest_churn_build.build_id

),

churn_band_drift as (

    select
        'churn_band' as drift_kind,
        churn_risk_band || ' churn risk' as subject,
        build_id as reference_build_id,
        observed_churn_share as current_value,
        mean_churn_probability as reference_value,
        threshold,
        is_drift,
        'Customers of build ' || cast(build_id as {{ dbt.type_string() }}) || ' (as of '
        || cast(as_of_date as {{ dbt.type_string() }}) || ') in the ' || churn_risk_band
        || ' churn-risk band: ' || cast(round(100 * mean_churn_probability, 1) as {{ dbt.type_string() }})
        || '% predicted to place no order in ' || cast(churn_window_days as {{ dbt.type_string() }})
        || ' days, ' || cast(round(100 * observed_churn_share, 1) as {{ dbt.type_string() }}) || '% of '
        || cast(customers_predicted as {{ dbt.type_string() }}) || ' did not: '
        || case when is_drift then 'off by more than' else 'within' end
        || ' the ' || cast(round(100 * threshold, 1) as {{ dbt.type_string() }})
        || '-point threshold.' as finding
    from latest_churn_bands

),

unioned as (

    select * from segment_drift
    union all
    select * from forecast_drift
    union all
    select * from churn_band_drift

),

final as (

    select
        unioned.drift_kind,
        unioned.subject,
        cast(unioned.reference_build_id as bigint) as reference_build_id,
        cast(unioned.current_value as double) as current_value,
        cast(unioned.reference_value as double) as reference_value,
        cast(unioned.threshold as double) as threshold,
        unioned.is_drift,
        unioned.finding,
        as_of_date.as_of_date
    from unioned
    cross join as_of_date

)

select * from final
