{#- Sales KPIs of every day up to as_of_date, zeros on days without sales (logic:
    int_sales_periods_aggregated). -#}

with

kpis as (

    select * from {{ ref('int_sales_periods_aggregated') }}
    where period_grain = 'day' and grouping_level = 'total'

),

final as (

    select
        kpis.period_start_date as date_day,
        {{ sales_kpi_columns('kpis') }}
        kpis.net_revenue_yoy_growth,
        kpis.orders_yoy_growth
    from kpis

)

select * from final
