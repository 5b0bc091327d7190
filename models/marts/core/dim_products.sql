with

sales_lines as (

    select * from {{ ref('int_invoice_lines_accepted') }}

),

ranked as (

    {#- The product's latest named line gives its current name, category, price and cost. -#}
    select
        product_id,
        product_name,
        category,
        unit_price,
        unit_cost,
        is_charge,
        row_number() over (
            partition by product_id
            order by product_name is null, invoiced_at desc, invoice_line_id desc
        ) as recency_rank
    from sales_lines

),

sold as (

    select
        product_id,
        min(invoice_date) as first_sold_date,
        max(invoice_date) as last_sold_date
    from sales_lines
    group by product_id

),

final as (

    select
        ranked.product_id,
        ranked.product_name,
        coalesce(ranked.category, case when ranked.is_charge then 'Charges' else 'Uncategorised' end)
            as category,
        ranked.is_charge,
        cast(ranked.unit_price as {{ money_type() }}) as latest_unit_price,
        cast(ranked.unit_cost as {{ money_type() }}) as latest_unit_cost,
        sold.first_sold_date,
        sold.last_sold_date
    from ranked
    inner join sold
        on ranked.product_id = sold.product_id
    where ranked.recency_rank = 1

)

select * from final
