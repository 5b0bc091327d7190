{#- Sales KPIs of every store on every day up to as_of_date, zeros on days without sales (logic:
    int_sales_periods_aggregated). -#}

with

kpis as (

    select * from {{ ref('int_sales_periods_aggregated') }}
    where period_grain = 'day' and grouping_level = 'store'

),

stores as (

    select * from {{ ref('dim_stores') }}

),

final as (

    select
        kpis.period_start_date as date_day,
        kpis.member_id as store_id,
        stores.store_name,
        stores.region,
        stores.channel,
        {{ sales_kpi_columns('kpis') }}
        kpis.net_revenue_yoy_growth,
        kpis.orders_yoy_growth
    from kpis
    inner join stores
        on kpis.member_id = stores.store_id

)

select * from final
