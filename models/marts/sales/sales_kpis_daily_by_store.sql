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
        coalesce(stores.region, 'unknown') as region,
        stores.channel,
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
        kpis.net_revenue_yoy_growth,
        kpis.orders_yoy_growth
    from kpis
    inner join stores
        on kpis.member_id = stores.store_id

)

select * from final
