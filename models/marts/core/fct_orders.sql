with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

invoices as (

    select
        invoice_id,
        min(invoiced_at) as invoiced_at,
        max(customer_id) as customer_id,
        max(store_id) as store_id,
        max(payment_method) as payment_method,
        max(case when line_type = 'adjustment' then 1 else 0 end) as has_adjustment,
        max(case when line_type = 'cancellation' then 1 else 0 end) as has_cancellation,
        max(case when line_type = 'sale' then 1 else 0 end) as has_sale,
        max(case when line_type = 'return' then 1 else 0 end) as has_return,
        count(*) as line_count,
        sum(case when is_product_line then quantity else 0 end) as product_units,
        sum(gross_amount) as gross_amount,
        sum(discount_amount) as discount_amount,
        sum(net_amount) as net_amount,
        sum(case when is_product_line then net_amount else 0 end) as product_net_amount,
        sum(case when line_type = 'charge' then net_amount else 0 end) as charge_amount,
        {{ sum_if_all_known('cost_amount', 'is_product_line') }} as cost_amount
    from sales_lines
    group by invoice_id

),

typed as (

    select
        *,
        case
            when has_adjustment = 1 then 'adjustment'
            when has_cancellation = 1 then 'cancellation'
            when has_sale = 1 then 'order'
            when has_return = 1 then 'return'
            else 'charge'
        end as invoice_type
    from invoices

),

numbered as (

    select
        *,
        case
            when invoice_type = 'order' and customer_id is not null
                then row_number() over (
                    partition by customer_id, invoice_type = 'order'
                    order by invoiced_at, invoice_id
                )
        end as customer_order_number
    from typed

),

final as (

    select
        invoice_id,
        invoiced_at,
        cast(invoiced_at as date) as invoice_date,
        customer_id,
        store_id,
        payment_method,
        invoice_type,
        cast(line_count as integer) as line_count,
        cast(product_units as integer) as product_units,
        cast(gross_amount as {{ money_type() }}) as gross_amount,
        cast(discount_amount as {{ money_type() }}) as discount_amount,
        cast(net_amount as {{ money_type() }}) as net_amount,
        cast(product_net_amount as {{ money_type() }}) as product_net_amount,
        cast(charge_amount as {{ money_type() }}) as charge_amount,
        cast(cost_amount as {{ money_type() }}) as cost_amount,
        cast(product_net_amount - cost_amount as {{ money_type() }}) as margin_amount,
        cast(customer_order_number as integer) as customer_order_number,
        coalesce(customer_order_number = 1, false) as is_first_order
    from numbered

)

select * from final
