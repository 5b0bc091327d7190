-- Rule: the customers' net revenue in dim_customers adds up, to the cent, to the net amount of
-- the known customers' product lines in fct_sales_lines (no customer lost or counted twice),
-- and the value tiers and the cohorts' month-0-onwards revenue never exceed what is there.
with

dim_customers as (

    select * from {{ ref('dim_customers') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

value_summary as (

    select * from {{ ref('customer_value_summary') }}

),

customer_total as (

    select sum(net_revenue) as net_revenue from dim_customers

),

line_total as (

    select coalesce(sum(net_amount), 0) as net_revenue
    from sales_lines
    where customer_id is not null and is_product_line

),

tier_total as (

    select sum(net_revenue) as net_revenue from value_summary

)

select
    customer_total.net_revenue as customer_net_revenue,
    line_total.net_revenue as line_net_revenue,
    tier_total.net_revenue as tier_net_revenue
from customer_total
cross join line_total
cross join tier_total
where
    round(coalesce(customer_total.net_revenue, 0), 2) != round(line_total.net_revenue, 2)
    or round(coalesce(tier_total.net_revenue, 0), 2) != round(line_total.net_revenue, 2)
