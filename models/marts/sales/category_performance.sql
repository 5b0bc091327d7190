{#- Each product category over the current performance window: revenue, units, margin, return
    rate, velocity, ABC class and its best-selling product (logic: int_sales_windows_aggregated). -#}

with

performance as (

    select * from {{ ref('int_sales_windows_aggregated') }}
    where grouping_level = 'category' and current_window_line_count > 0

),

product_performance as (

    select * from {{ ref('product_performance') }}

),

category_products as (

    select
        category,
        count(*) as product_count,
        count(case when abc_class = 'A' then 1 end) as a_class_product_count
    from product_performance
    group by category

),

top_products as (

    select
        category,
        product_id as top_product_id,
        product_name as top_product_name
    from product_performance
    where rank_in_category = 1

),

final as (

    select
        performance.member_id as category,
        performance.window_start_date,
        performance.window_end_date,
        performance.gross_sales,
        performance.discounts,
        performance.returns_amount,
        performance.net_revenue,
        performance.cost_amount,
        performance.margin_amount,
        performance.margin_rate,
        performance.units_sold,
        performance.units_returned,
        performance.return_rate,
        performance.orders,
        performance.active_days,
        performance.units_per_active_day,
        performance.share_of_net_revenue,
        performance.net_revenue_rank,
        performance.abc_class,
        cast(coalesce(category_products.product_count, 0) as bigint) as product_count,
        cast(coalesce(category_products.a_class_product_count, 0) as bigint) as a_class_product_count,
        top_products.top_product_id,
        top_products.top_product_name
    from performance
    left join category_products
        on performance.member_id = category_products.category
    left join top_products
        on performance.member_id = top_products.category

)

select * from final
