with

sales_lines as (

    select * from {{ ref('int_invoice_lines_validated') }}
    where rejection_reason is null and store_id is not null

),

final as (

    select
        store_id,
        max(store_name) as store_name,
        max(region) as region,
        coalesce(max(channel), 'store') as channel,
        min(invoice_date) as first_sale_date,
        max(invoice_date) as last_sale_date
    from sales_lines
    group by store_id

)

select * from final
