{#- Each segment's own history up to as_of_date, in additive parts (so a campaign that targets
    several segments can add them up): orders, net revenue, and net revenue and margin over the
    product lines whose cost is known. -#}
with

customer_segments as (

    select * from {{ ref('customer_segment_results') }}

),

customer_rfm as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

customer_totals as (

    select
        customer_segments.cluster_id,
        count(*) as customer_count,
        sum(customer_rfm.frequency) as order_count,
        sum(customer_rfm.monetary) as net_revenue
    from customer_segments
    inner join customer_rfm
        on customer_segments.customer_id = customer_rfm.customer_id
    group by customer_segments.cluster_id

),

known_cost_lines as (

    select
        customer_segments.cluster_id,
        sum(sales_lines.net_amount) as net_revenue_with_known_cost,
        sum(sales_lines.margin_amount) as margin_amount
    from sales_lines
    inner join customer_segments
        on sales_lines.customer_id = customer_segments.customer_id
    where
        sales_lines.is_product_line
        and sales_lines.cost_amount is not null
    group by customer_segments.cluster_id

),

final as (

    select
        customer_totals.cluster_id,
        cast(customer_totals.customer_count as integer) as customer_count,
        cast(customer_totals.order_count as integer) as order_count,
        cast(customer_totals.net_revenue as {{ money_type() }}) as net_revenue,
        cast(known_cost_lines.net_revenue_with_known_cost as {{ money_type() }})
            as net_revenue_with_known_cost,
        cast(known_cost_lines.margin_amount as {{ money_type() }}) as margin_amount
    from customer_totals
    left join known_cost_lines
        on customer_totals.cluster_id = known_cost_lines.cluster_id

)

select * from final
