{#- The customer 360: attributes as exported, plus the lifetime aggregates, RFM segment and value
    tier as of as_of_date. Aggregates come from int_customers_aggregated, the RFM segment from
    int_customers_rfm_scored (which customer_rfm publishes). -#}
with

sales_lines as (

    select * from {{ ref('int_invoice_lines_accepted') }}
    where customer_id is not null

),

customer_totals as (

    select * from {{ ref('int_customers_aggregated') }}

),

tiered_customers as (

    select * from {{ ref('int_customers_tiered') }}

),

customer_rfm as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

predictions as (

    select * from {{ ref('customer_prediction_results') }}

),

attributes as (

    {#- Attributes as last exported: gender, signup and country are constant per customer in
        practice, and age only grows, so max() is the latest value. -#}
    select
        customer_id,
        min(invoice_date) as first_invoice_date,
        max(invoice_date) as last_invoice_date,
        max(customer_gender) as gender,
        max(customer_age) as age_at_last_invoice,
        min(customer_signup_date) as signup_date,
        max(country) as country
    from sales_lines
    group by customer_id

),

final as (

    select
        attributes.customer_id,
        attributes.first_invoice_date,
        attributes.last_invoice_date,
        customer_totals.first_order_date,
        attributes.gender,
        attributes.age_at_last_invoice,
        attributes.signup_date,
        attributes.country,
        customer_totals.last_order_date,
        cast(
            {{ dbt.datediff('customer_totals.first_order_date', 'as_of_date.as_of_date', 'day') }}
            as integer
        ) as tenure_days,
        customer_totals.order_count,
        customer_totals.units_purchased,
        customer_totals.units_returned,
        customer_totals.gross_sales,
        customer_totals.discount_amount,
        customer_totals.returns_amount,
        customer_totals.net_revenue,
        {{ ratio('customer_totals.returns_amount', 'customer_totals.gross_sales') }} as returned_value_rate,
        {{ money_from_float(ratio('customer_totals.net_revenue', 'customer_totals.order_count')) }}
            as net_revenue_per_order,
        {{ ratio(
            dbt.datediff('customer_totals.first_order_date', 'customer_totals.last_order_date', 'day'),
            'customer_totals.order_count - 1'
        ) }} as average_days_between_orders,
        customer_totals.favourite_category,
        customer_totals.favourite_store_id,
        customer_totals.favourite_payment_method,
        case
            when customer_totals.order_count >= 2 then 'repeat'
            when customer_totals.order_count = 1 then 'one_time'
            else 'no_orders'
        end as customer_type,
        customer_rfm.rfm_segment,
        customer_rfm.rfm_cell,
        tiered_customers.value_tier,
        tiered_customers.is_top_10_percent,
        cast(predictions.churn_probability as double) as churn_probability,
        predictions.churn_risk_band,
        {{ money_from_float('predictions.expected_revenue_90d') }} as expected_revenue_90d,
        {{ money_from_float('predictions.clv_365d') }} as clv_365d
    from attributes
    left join customer_totals
        on attributes.customer_id = customer_totals.customer_id
    left join tiered_customers
        on attributes.customer_id = tiered_customers.customer_id
    left join customer_rfm
        on attributes.customer_id = customer_rfm.customer_id
    left join predictions
        on attributes.customer_id = predictions.customer_id
    cross join as_of_date

)

select * from final
