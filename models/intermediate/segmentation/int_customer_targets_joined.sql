{#- Every segmented customer with what a campaign can target them by (segment, churn-risk band,
    CLV tier) and their own history up to as_of_date in additive parts (orders, net revenue, and
    net revenue and margin over the product lines whose cost is known), plus the net revenue they
    are expected to bring in the next horizon: the revenue at stake. -#}
with

customer_segments as (

    select * from {{ ref('customer_segment_results') }}

),

customer_rfm as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

predictions as (

    select * from {{ ref('customer_prediction_results') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

known_cost_lines as (

    select
        sales_lines.customer_id,
        sum(sales_lines.net_amount) as net_revenue_with_known_cost,
        sum(sales_lines.margin_amount) as margin_amount
    from sales_lines
    where
        sales_lines.is_product_line
        and sales_lines.cost_amount is not null
        and sales_lines.customer_id is not null
    group by sales_lines.customer_id

),

final as (

    select
        customer_segments.customer_id,
        customer_segments.cluster_id,
        customer_segments.segment_name,
        predictions.churn_risk_band,
        predictions.clv_tier,
        cast(predictions.churn_probability as double) as churn_probability,
        {{ money_from_float('predictions.expected_revenue_90d') }} as expected_revenue_90d,
        cast(customer_rfm.frequency as integer) as order_count,
        cast(customer_rfm.monetary as {{ money_type() }}) as net_revenue,
        cast(known_cost_lines.net_revenue_with_known_cost as {{ money_type() }})
            as net_revenue_with_known_cost,
        cast(known_cost_lines.margin_amount as {{ money_type() }}) as margin_amount
    from customer_segments
    inner join customer_rfm
        on customer_segments.customer_id = customer_rfm.customer_id
    left join predictions
        on customer_segments.customer_id = predictions.customer_id
    left join known_cost_lines
        on customer_segments.customer_id = known_cost_lines.customer_id

)

select * from final
