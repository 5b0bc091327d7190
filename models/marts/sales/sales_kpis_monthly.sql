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
        {{ sales_kpi_columns('kpis') }}
        kpis.net_revenue_mom_growth,
        kpis.net_revenue_yoy_growth,
        kpis.orders_mom_growth,
        kpis.orders_yoy_growth
    from kpis

)

select * from final
