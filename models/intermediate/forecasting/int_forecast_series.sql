{#- The series to forecast: net revenue of the total, each region, store and category, and
    unit demand of the var('forecast_top_products') products with the highest net revenue
    over the history (ties: lowest product id). -#}
with

series_lines as (

    select * from {{ ref('int_forecast_series_lines') }}

),

series as (

    select
        series_level,
        series_id,
        max(series_name) as series_name,
        min(invoice_date) as first_sales_date,
        max(invoice_date) as last_sales_date,
        sum(net_amount) as history_net_revenue,
        sum(quantity) as history_units,
        min(case when is_physical_store then 1 else 0 end) = 1 as is_physical_only
    from series_lines
    group by series_level, series_id

),

ranked as (

    select
        *,
        case
            when series_level = 'product'
                then row_number() over (
                    partition by series_level
                    order by history_net_revenue desc, series_id asc
                )
        end as product_revenue_rank
    from series

),

final as (

    select
        series_level,
        series_id,
        series_name,
        case when series_level = 'product' then 'units' else 'net_revenue' end as measure,
        first_sales_date,
        last_sales_date,
        cast(history_net_revenue as {{ money_type() }}) as history_net_revenue,
        cast(history_units as bigint) as history_units,
        is_physical_only,
        product_revenue_rank
    from ranked
    where series_level != 'product' or product_revenue_rank <= {{ var('forecast_top_products') }}

)

select * from final
