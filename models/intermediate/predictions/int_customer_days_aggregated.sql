{#- Each known customer's days with an invoice up to as_of_date: the orders placed and the net
    product revenue (sales less returns and cancellations), so the prediction models read a few
    thousand rows per customer history instead of invoice lines. Every known customer has at
    least one row (every validated line belongs to an invoice of fct_orders). -#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

final as (

    select
        customer_id,
        invoice_date as activity_date,
        cast(sum(case when invoice_type = 'order' then 1 else 0 end) as integer) as order_count,
        cast(sum(product_net_amount) as {{ money_type() }}) as net_revenue
    from orders
    where customer_id is not null
    group by customer_id, invoice_date

)

select * from final
