{#- Each product sold in the current performance window: revenue, units, margin, return rate,
    velocity, ABC class and its rank within its category (logic: int_sales_windows_aggregated). -#}

with

performance as (

    select * from {{ ref('int_sales_windows_aggregated') }}
    where grouping_level = 'product' and current_window_line_count > 0

),

products as (

    select * from {{ ref('dim_products') }}

),

joined as (

    select
        performance.*,
        products.product_name,
        products.category
    from performance
    inner join products
        on performance.member_id = products.product_id

),

final as (

    select
        member_id as product_id,
        product_name,
        category,
        window_start_date,
        window_end_date,
        gross_sales,
        discounts,
        returns_amount,
        net_revenue,
        cost_amount,
        margin_amount,
        margin_rate,
        units_sold,
        units_returned,
        return_rate,
        orders,
        active_days,
        units_per_active_day,
        share_of_net_revenue,
        net_revenue_rank,
        abc_class,
        cast(
            row_number() over (partition by category order by net_revenue desc, member_id asc) as bigint
        ) as rank_in_category,
        first_sale_date,
        last_sale_date
    from joined

)

select * from final
