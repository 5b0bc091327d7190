{#- Sales KPIs of every store in every month up to as_of_date, with growth (logic:
    int_sales_periods_aggregated). -#}

with

kpis as (

    select * from {{ ref('int_sales_periods_aggregated') }}
    where period_grain = 'month' and grouping_level = 'store'

),

stores as (

    select * from {{ ref('dim_stores') }}

),

final as (

    select
        kpis.period_start_date as month_start_date,
        kpis.days_in_period as days_covered,
        kpis.is_complete_period as is_complete_month,
        kpis.member_id as store_id,
        stores.store_name,
        stores.region,
        stores.channel,
        {{ sales_kpi_columns('kpis') }}
        kpis.net_revenue_mom_growth,
        kpis.net_revenue_yoy_growth,
        kpis.orders_mom_growth,
        kpis.orders_yoy_growth
    from kpis
    inner join stores
        on kpis.member_id = stores.store_id

)

select * from final
