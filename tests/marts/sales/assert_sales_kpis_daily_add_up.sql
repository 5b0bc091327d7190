-- Rule: the daily sales KPIs add up to the monthly ones, month by month; over the whole history
-- they add up to fct_sales_lines' product lines (gross sales, discounts, returns, net revenue,
-- cost when every line has one, units) and to fct_orders' orders; and the daily KPIs by
-- category add up to the daily totals, day by day (orders excepted: one order can hold several
-- categories). Returns one row per check and period that disagrees.
-- An order whose lines carry two dates (an invoice spanning midnight) is an order on each of
-- its days, so daily orders may exceed the month's and fct_orders' by exactly those extra
-- order-days: legitimate data, tolerated to the unit.
with

daily as (

    select * from {{ ref('sales_kpis_daily') }}

),

monthly as (

    select * from {{ ref('sales_kpis_monthly') }}

),

daily_by_category as (

    select * from {{ ref('sales_kpis_daily_by_category') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}
    where is_product_line

),

orders as (

    select * from {{ ref('fct_orders') }}
    where invoice_type = 'order'

),

daily_per_month as (

    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        sum(gross_sales) as gross_sales,
        sum(discounts) as discounts,
        sum(returns_amount) as returns_amount,
        sum(net_revenue) as net_revenue,
        sum(cost_amount) as cost_amount,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        sum(orders) as orders
    from daily
    group by cast({{ dbt.date_trunc('month', 'date_day') }} as date)

),

daily_totals as (

    select
        sum(gross_sales) as gross_sales,
        sum(discounts) as discounts,
        sum(returns_amount) as returns_amount,
        sum(net_revenue) as net_revenue,
        sum(cost_amount) as cost_amount,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        sum(orders) as orders
    from daily

),

order_day_pairs as (

    select
        cast({{ dbt.date_trunc('month', 'invoice_date') }} as date) as month_start_date,
        invoice_id,
        count(distinct invoice_date) as order_days
    from sales_lines
    where line_type = 'sale'
    group by cast({{ dbt.date_trunc('month', 'invoice_date') }} as date), invoice_id

),

extra_order_days as (

    {#- Per month: order-days beyond one per order (an order spanning two months is an order
        in each). -#}
    select
        month_start_date,
        sum(order_days - 1) as extra_order_days
    from order_day_pairs
    group by month_start_date

),

extra_order_days_total as (

    select sum(order_days) - count(distinct invoice_id) as extra_order_days
    from order_day_pairs

),

order_count as (

    select count(*) as orders
    from orders

),

line_totals as (

    select
        sum(case when line_type = 'sale' then gross_amount else 0 end) as gross_sales,
        sum(case when line_type = 'sale' then discount_amount end) as discounts,
        -sum(case when line_type = 'sale' then 0 else net_amount end) as returns_amount,
        sum(net_amount) as net_revenue,
        {#- only when every product line has a cost; otherwise the daily nulls are expected -#}
        case when count(cost_amount) = count(*) then sum(cost_amount) end as cost_amount,
        sum(case when line_type = 'sale' then quantity else 0 end) as units_sold,
        -sum(case when line_type = 'sale' then 0 else quantity end) as units_returned
    from sales_lines

),

categories_per_day as (

    select
        date_day,
        sum(gross_sales) as gross_sales,
        sum(discounts) as discounts,
        sum(returns_amount) as returns_amount,
        sum(net_revenue) as net_revenue,
        sum(cost_amount) as cost_amount,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned
    from daily_by_category
    group by date_day

),

mismatches as (

    select
        'daily vs monthly' as check_name,
        coalesce(monthly.month_start_date, daily_per_month.month_start_date) as period_start_date,
        monthly.net_revenue as expected_net_revenue,
        daily_per_month.net_revenue as actual_net_revenue
    from monthly
    full outer join daily_per_month
        on monthly.month_start_date = daily_per_month.month_start_date
    left join extra_order_days
        on daily_per_month.month_start_date = extra_order_days.month_start_date
    where
        monthly.gross_sales is distinct from daily_per_month.gross_sales
        or monthly.discounts is distinct from daily_per_month.discounts
        or monthly.returns_amount is distinct from daily_per_month.returns_amount
        or monthly.net_revenue is distinct from daily_per_month.net_revenue
        or monthly.cost_amount is distinct from daily_per_month.cost_amount
        or monthly.units_sold is distinct from daily_per_month.units_sold
        or monthly.units_returned is distinct from daily_per_month.units_returned
        or monthly.orders + coalesce(extra_order_days.extra_order_days, 0)
        is distinct from daily_per_month.orders

    union all

    select
        'daily vs fct_sales_lines and fct_orders' as check_name,
        null as period_start_date,
        line_totals.net_revenue as expected_net_revenue,
        daily_totals.net_revenue as actual_net_revenue
    from line_totals
    cross join daily_totals
    cross join order_count
    cross join extra_order_days_total
    where
        line_totals.gross_sales is distinct from daily_totals.gross_sales
        or line_totals.discounts is distinct from daily_totals.discounts
        or line_totals.returns_amount is distinct from daily_totals.returns_amount
        or line_totals.net_revenue is distinct from daily_totals.net_revenue
        or (
            line_totals.cost_amount is not null
            and line_totals.cost_amount is distinct from daily_totals.cost_amount
        )
        or line_totals.units_sold is distinct from daily_totals.units_sold
        or line_totals.units_returned is distinct from daily_totals.units_returned
        or order_count.orders + coalesce(extra_order_days_total.extra_order_days, 0)
        is distinct from daily_totals.orders

    union all

    select
        'categories vs total' as check_name,
        daily.date_day as period_start_date,
        daily.net_revenue as expected_net_revenue,
        categories_per_day.net_revenue as actual_net_revenue
    from daily
    left join categories_per_day
        on daily.date_day = categories_per_day.date_day
    where
        daily.gross_sales is distinct from categories_per_day.gross_sales
        or daily.discounts is distinct from categories_per_day.discounts
        or daily.returns_amount is distinct from categories_per_day.returns_amount
        or daily.net_revenue is distinct from categories_per_day.net_revenue
        or daily.cost_amount is distinct from categories_per_day.cost_amount
        or daily.units_sold is distinct from categories_per_day.units_sold
        or daily.units_returned is distinct from categories_per_day.units_returned

)

select * from mismatches
