-- Rule: the value tiers partition the known customers: their customer counts add up to
-- dim_customers and their shares of customers to 1 (when there is any customer).
with

value_summary as (

    select * from {{ ref('customer_value_summary') }}

),

dim_customers as (

    select * from {{ ref('dim_customers') }}

),

tier_totals as (

    select
        sum(customer_count) as customer_count,
        sum(share_of_customers) as share_of_customers
    from value_summary

),

customer_totals as (

    select count(*) as customer_count from dim_customers

)

select
    tier_totals.customer_count as tier_customer_count,
    customer_totals.customer_count,
    tier_totals.share_of_customers
from tier_totals
cross join customer_totals
where
    tier_totals.customer_count != customer_totals.customer_count
    or (customer_totals.customer_count > 0 and abs(tier_totals.share_of_customers - 1) > 0.000001)
