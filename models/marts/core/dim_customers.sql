with

sales_lines as (

    select * from {{ ref('int_invoice_lines_validated') }}
    where rejection_reason is null and customer_id is not null

),

orders as (

    select * from {{ ref('fct_orders') }}

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

first_orders as (

    select
        customer_id,
        invoice_date as first_order_date
    from orders
    where is_first_order

),

final as (

    select
        attributes.customer_id,
        attributes.first_invoice_date,
        attributes.last_invoice_date,
        first_orders.first_order_date,
        attributes.gender,
        attributes.age_at_last_invoice,
        attributes.signup_date,
        attributes.country
    from attributes
    left join first_orders
        on attributes.customer_id = first_orders.customer_id

)

select * from final
