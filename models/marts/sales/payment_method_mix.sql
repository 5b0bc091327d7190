{#- Share of orders and of net revenue by payment method: overall, by the customer's age band
    at the order, by gender and by the store's region, over every order up to as_of_date. -#}

with

orders as (

    select * from {{ ref('fct_orders') }}
    where invoice_type = 'order'

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

order_ages as (

    select
        invoice_id,
        max(customer_age) as customer_age
    from sales_lines
    group by invoice_id

),

segmented as (

    select
        orders.invoice_id,
        coalesce(orders.payment_method, {{ unknown_label() }}) as payment_method,
        orders.product_net_amount,
        case
            when order_ages.customer_age is null then {{ unknown_label() }}
            when order_ages.customer_age < 25 then 'under 25'
            when order_ages.customer_age < 35 then '25-34'
            when order_ages.customer_age < 45 then '35-44'
            when order_ages.customer_age < 55 then '45-54'
            when order_ages.customer_age < 65 then '55-64'
            else '65 and over'
        end as age_band,
        coalesce(customers.gender, {{ unknown_label() }}) as gender,
        coalesce(stores.region, {{ unknown_label() }}) as region
    from orders
    left join order_ages
        on orders.invoice_id = order_ages.invoice_id
    left join customers
        on orders.customer_id = customers.customer_id
    left join stores
        on orders.store_id = stores.store_id

),

breakdowns as (

    select breakdown_values.breakdown
    from (values ('total'), ('age_band'), ('gender'), ('region')) as breakdown_values (breakdown)

),

leveled_orders as (

    select
        breakdowns.breakdown,
        case breakdowns.breakdown
            when 'total' then 'all'
            when 'age_band' then segmented.age_band
            when 'gender' then segmented.gender
            else segmented.region
        end as segment,
        segmented.payment_method,
        segmented.product_net_amount
    from segmented
    cross join breakdowns

),

mix as (

    select
        breakdown,
        segment,
        payment_method,
        count(*) as orders,
        sum(product_net_amount) as net_revenue
    from leveled_orders
    group by breakdown, segment, payment_method

),

final as (

    select
        breakdown,
        segment,
        payment_method,
        cast(orders as bigint) as orders,
        cast(net_revenue as {{ money_type() }}) as net_revenue,
        {{ ratio('orders', 'sum(orders) over (partition by breakdown, segment)') }} as share_of_orders,
        {{ ratio('net_revenue', 'sum(net_revenue) over (partition by breakdown, segment)') }}
            as share_of_net_revenue
    from mix

)

select * from final
