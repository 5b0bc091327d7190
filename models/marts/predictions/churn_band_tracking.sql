{#- One row per earlier build and churn risk band whose churn window has closed (grain:
    build_id × churn_risk_band): the customers the build put in the band, the mean churn
    probability it gave them and the share that then placed no order in the window. -#}
{%- set threshold = var('drift_churn_band_threshold') %}
with

prediction_history as (

    select * from {{ ref('prediction_history') }}

),

customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

windows as (

    select
        prediction_history.*,
        cast({{ dbt.dateadd('day', 'churn_window_days', 'as_of_date') }} as date) as window_end_date
    from prediction_history

),

closed_windows as (

    select windows.*
    from windows
    cross join as_of_date
    where windows.window_end_date <= as_of_date.as_of_date

),

window_orders as (

    select
        closed_windows.build_id,
        closed_windows.customer_id,
        sum(customer_days.order_count) as orders_in_window
    from closed_windows
    inner join customer_days
        on
            closed_windows.customer_id = customer_days.customer_id
            and closed_windows.as_of_date < customer_days.activity_date
            and closed_windows.window_end_date >= customer_days.activity_date
    group by closed_windows.build_id, closed_windows.customer_id

),

outcomes as (

    select
        closed_windows.*,
        case when coalesce(window_orders.orders_in_window, 0) = 0 then 1 else 0 end as has_churned
    from closed_windows
    left join window_orders
        on
            closed_windows.build_id = window_orders.build_id
            and closed_windows.customer_id = window_orders.customer_id

),

bands as (

    select
        build_id,
        as_of_date,
        churn_window_days,
        window_end_date,
        churn_risk_band,
        count(*) as customers_predicted,
        avg(churn_probability) as mean_churn_probability,
        sum(has_churned) as churned_customers
    from outcomes
    group by build_id, as_of_date, churn_window_days, window_end_date, churn_risk_band

),

shares as (

    select
        *,
        {{ ratio('churned_customers', 'customers_predicted') }} as observed_churn_share
    from bands

),

final as (

    select
        cast(build_id as bigint) as build_id,
        as_of_date,
        cast(churn_window_days as integer) as churn_window_days,
        window_end_date,
        churn_risk_band,
        cast(customers_predicted as bigint) as customers_predicted,
        cast(mean_churn_probability as double) as mean_churn_probability,
        cast(churned_customers as bigint) as churned_customers,
        cast(observed_churn_share as double) as observed_churn_share,
        cast(observed_churn_share - mean_churn_probability as double) as churn_gap,
        cast({{ threshold }} as double) as threshold,
        abs(observed_churn_share - mean_churn_probability) > {{ threshold }} as is_drift
    from shares

)

select * from final
