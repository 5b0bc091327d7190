{#- The segmentation's input: one row per customer with at least one order and one column per
    feature, in scoring order. The Python models use every column but customer_id as a feature, and
    the SQL scorer marts.customer_segment_for takes them as arguments in this order. Definitions are
    reused from int_customers_rfm_scored and dim_customers, not derived again. -#}
with

customer_rfm as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

dim_customers as (

    select * from {{ ref('dim_customers') }}

),

final as (

    select
        customer_rfm.customer_id,
        cast(customer_rfm.recency_days as double) as recency_days,
        cast(customer_rfm.frequency as double) as frequency,
        cast(customer_rfm.monetary as double) as monetary,
        cast(dim_customers.net_revenue_per_order as double) as avg_order_value,
        cast(dim_customers.average_days_between_orders as double)
            as avg_days_between_orders,
        cast(dim_customers.returned_value_rate as double) as return_rate,
        cast(dim_customers.tenure_days as double) as tenure_days,
        cast(dim_customers.age_at_last_invoice as double) as age
    from customer_rfm
    inner join dim_customers
        on customer_rfm.customer_id = dim_customers.customer_id
    where customer_rfm.frequency > 0

)

select * from final
