{#- Sales KPIs of every month up to as_of_date, with month-on-month and year-on-year growth (logic:
    int_sales_periods_aggregated). -#}

with

kpis as (

    select * from {{ ref('int_sales_periods_aggregated') }}
    where period_grain = 'month' and grouping_level = 'total'

),

final as (

    select
        kpis.period_start_date as month_start_date,
        kpis.days_in_period as days_covered,
        kpis.is_complete_period as is_complete_month,
        kpis.gross_sales,
        kpis.discounts,
        kpis.returns_amount,
        kpis.net_revenue,
        kpis.cost_amount,
        kpis.margin_amount,
        kpis.margin_rate,
        kpis.orders,
        kpis.units_sold,
        kpis.units_returned,
        kpis.active_customers,
        kpis.new_customers,
        kpis.returning_customers,
        kpis.average_order_value,
        kpis.units_per_order,
        kpis.net_revenue_mom_growth,
        kpis.net_revenue_yoy_growth,
        kpis.orders_mom_growth,
        kpis.orders_yoy_growth
    from kpis

)

select * from final
