with

sales_lines as (

    select * from {{ ref('int_invoice_lines_accepted') }}
    where store_id is not null

),

store_regions as (

    select * from {{ ref('store_regions') }}

),

stores as (

    select
        store_id,
        max(store_name) as store_name,
        max(region) as region,
        max(channel) as channel,
        min(invoice_date) as first_sale_date,
        max(invoice_date) as last_sale_date
    from sales_lines
    group by store_id

),

final as (

    select
        stores.store_id,
        stores.store_name,
        coalesce(stores.region, store_regions.region, {{ unknown_label() }}) as region,
        coalesce(stores.channel, 'store') as channel,
        stores.first_sale_date,
        stores.last_sale_date
    from stores
    left join store_regions
        on stores.store_id = store_regions.store_id

)

select * from final
