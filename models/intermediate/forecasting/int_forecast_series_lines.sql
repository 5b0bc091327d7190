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

final as (

    select
        invoice_line_id,
        'total' as series_level,
        'all' as series_id,
        'All sales' as series_name,
        invoice_date,
        quantity,
        net_amount,
        is_physical_store
    from product_lines

    union all

    select
        invoice_line_id,
        'region' as series_level,
        region as series_id,
        region as series_name,
        invoice_date,
        quantity,
        net_amount,
        is_physical_store
    from product_lines

    union all

    select
        invoice_line_id,
        'store' as series_level,
        store_id as series_id,
        store_name as series_name,
        invoice_date,
        quantity,
        net_amount,
        is_physical_store
    from product_lines

    union all

    select
        invoice_line_id,
        'category' as series_level,
        category as series_id,
        category as series_name,
        invoice_date,
        quantity,
        net_amount,
        is_physical_store
    from product_lines

    union all

    select
        invoice_line_id,
        'product' as series_level,
        product_id as series_id,
        product_name as series_name,
        invoice_date,
        quantity,
        net_amount,
        is_physical_store
    from product_lines

)

select * from final
