{#- What each category sold on each day it sold, and the discount band of that day: the band
    of the category's average discount depth that day (discounts / gross sales of its sale
    lines), rounded to the whole percent first, because rounding each line's discount to the
    cent turns a 10 % promotion into 9.97 % or 10.03 %. -#}

with

sales_lines as (

    select * from {{ ref('int_sales_lines_attributed') }}
    where line_type = 'sale'

),

category_days as (

    select
        category,
        invoice_date,
        sum(units_sold) as units_sold,
        sum(gross_sales_amount) as gross_sales,
        sum(sale_discount_amount) as discounts,
        sum(sale_net_amount) as net_sales,
        {{ sum_if_all_known('cost_amount') }} as cost_amount
    from sales_lines
    group by category, invoice_date

),

depths as (

    select
        *,
        {{ ratio('discounts', 'gross_sales') }} as discount_depth,
        round(100 * {{ ratio('discounts', 'gross_sales') }}, 0) as discount_percent
    from category_days

),

final as (

    select
        category,
        invoice_date,
        cast(units_sold as bigint) as units_sold,
        cast(gross_sales as {{ money_type() }}) as gross_sales,
        cast(discounts as {{ money_type() }}) as discounts,
        cast(net_sales as {{ money_type() }}) as net_sales,
        cast(cost_amount as {{ money_type() }}) as cost_amount,
        discount_depth,
        case
            when discounts is null then {{ unknown_label() }}
            when discounts <= 0 then 'none'
            when discount_percent < 10 then '0-10%'
            when discount_percent < 20 then '10-20%'
            when discount_percent < 30 then '20-30%'
            else '30%+'
        end as discount_band,
        case
            when discounts is null then 5
            when discounts <= 0 then 0
            when discount_percent < 10 then 1
            when discount_percent < 20 then 2
            when discount_percent < 30 then 3
            else 4
        end as discount_band_order
    from depths

)

select * from final
