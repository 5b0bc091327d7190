{#- Product pairs bought together: every order invoice and every product is counted (sale lines
    only, a product once per invoice), and pairs on fewer than affinity_min_invoices invoices
    are left out. Products and invoices get integer keys before the self-join, and products on
    fewer invoices than the minimum are set aside first (a pair cannot be on more invoices than
    either of its products), so the join and the pair count stay fast on large baskets. -#}

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}
    where line_type = 'sale'

),

products as (

    select * from {{ ref('dim_products') }}

),

invoice_products as (

    select distinct
        invoice_id,
        product_id
    from sales_lines

),

product_keys as (

    {#- 32-bit keys: the pair count groups millions of rows on them -#}
    select
        invoice_products.product_id,
        max(products.product_name) as product_name,
        max(products.category) as category,
        cast(row_number() over (order by invoice_products.product_id) as {{ dbt.type_int() }}) as product_key
    from invoice_products
    inner join products
        on invoice_products.product_id = products.product_id
    group by invoice_products.product_id

),

invoice_keys as (

    select
        invoice_id,
        cast(row_number() over (order by invoice_id) as {{ dbt.type_int() }}) as invoice_key
    from invoice_products
    group by invoice_id

),

keyed as (

    select
        invoice_keys.invoice_key,
        product_keys.product_key
    from invoice_products
    inner join product_keys
        on invoice_products.product_id = product_keys.product_id
    inner join invoice_keys
        on invoice_products.invoice_id = invoice_keys.invoice_id

),

totals as (

    select count(*) as invoice_count
    from invoice_keys

),

product_counts as (

    select
        product_key,
        count(*) as invoice_count
    from keyed
    group by product_key

),

frequent_keyed as (

    select keyed.*
    from keyed
    inner join product_counts
        on keyed.product_key = product_counts.product_key
    where product_counts.invoice_count >= {{ var('affinity_min_invoices') }}

),

pairs as (

    select
        product_a.product_key as product_a_key,
        product_b.product_key as product_b_key,
        count(*) as invoices_with_both
    from frequent_keyed as product_a
    inner join frequent_keyed as product_b
        on
            product_a.invoice_key = product_b.invoice_key
            and product_a.product_key < product_b.product_key
    group by product_a.product_key, product_b.product_key
    having count(*) >= {{ var('affinity_min_invoices') }}

),

final as (

    select
        keys_a.product_id as product_a_id,
        keys_a.product_name as product_a_name,
        keys_a.category as product_a_category,
        keys_b.product_id as product_b_id,
        keys_b.product_name as product_b_name,
        keys_b.category as product_b_category,
        cast(pairs.invoices_with_both as bigint) as invoices_with_both,
        cast(counts_a.invoice_count as bigint) as invoices_with_a,
        cast(counts_b.invoice_count as bigint) as invoices_with_b,
        cast(totals.invoice_count as bigint) as total_invoices,
        {{ ratio('pairs.invoices_with_both', 'totals.invoice_count') }} as support,  -- noqa: RF04
        {{ ratio('pairs.invoices_with_both', 'counts_a.invoice_count') }} as confidence_a_to_b,
        {{ ratio('pairs.invoices_with_both', 'counts_b.invoice_count') }} as confidence_b_to_a,
        {{ ratio(
            'pairs.invoices_with_both * totals.invoice_count',
            'counts_a.invoice_count * counts_b.invoice_count'
        ) }} as lift
    from pairs
    cross join totals
    inner join product_counts as counts_a
        on pairs.product_a_key = counts_a.product_key
    inner join product_counts as counts_b
        on pairs.product_b_key = counts_b.product_key
    inner join product_keys as keys_a
        on pairs.product_a_key = keys_a.product_key
    inner join product_keys as keys_b
        on pairs.product_b_key = keys_b.product_key

)

select * from final
