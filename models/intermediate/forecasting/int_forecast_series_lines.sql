{#- Every product line once per forecast level it counts in: the total, its store's region,
    its store, its product's category and its product. Lines without a store count under
    store and region `unknown` (a store without a region is in region `unknown` in dim_stores),
    so each level's members cover the total. -#}
with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}
    where is_product_line

),

products as (

    select * from {{ ref('dim_products') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

product_lines as (

    select
        sales_lines.invoice_line_id,
        sales_lines.invoice_date,
        sales_lines.quantity,
        sales_lines.net_amount,
        coalesce(sales_lines.store_id, {{ unknown_label() }}) as store_id,
        coalesce(stores.store_name, sales_lines.store_id, {{ unknown_label() }}) as store_name,
        coalesce(stores.region, {{ unknown_label() }}) as region,
        products.category,
        sales_lines.product_id,
        coalesce(products.product_name, sales_lines.product_id) as product_name,
        coalesce(stores.channel = 'store', false) as is_physical_store
    from sales_lines
    inner join products
        on sales_lines.product_id = products.product_id
    left join stores
        on sales_lines.store_id = stores.store_id

),

levels as (

    select level_values.series_level
    from (values ('total'), ('region'), ('store'), ('category'), ('product')) as level_values (series_level)

),

final as (

    select
        product_lines.invoice_line_id,
        levels.series_level,
        case levels.series_level
            when 'total' then 'all'
            when 'region' then product_lines.region
            when 'store' then product_lines.store_id
            when 'category' then product_lines.category
            else product_lines.product_id
        end as series_id,
        case levels.series_level
            when 'total' then 'All sales'
            when 'region' then product_lines.region
            when 'store' then product_lines.store_name
            when 'category' then product_lines.category
            else product_lines.product_name
        end as series_name,
        product_lines.invoice_date,
        product_lines.quantity,
        product_lines.net_amount,
        product_lines.is_physical_store
    from product_lines
    cross join levels

)

select * from final
