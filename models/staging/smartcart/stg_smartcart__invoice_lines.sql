{#- One row per raw line: trimmed, renamed, safely cast and classified by invoice prefix.
    Nothing is filtered here; int_invoice_lines_validated decides what is accepted.
    A null quantity, unit_price or invoiced_at means missing or unparseable (a fractional
    quantity, or one in scientific notation, counts as unparseable). -#}
{%- set raw_columns = [
    'invoice_id', 'invoice_date', 'customer_id', 'product_id', 'product_name', 'category',
    'quantity', 'unit_price', 'line_amount', 'discount_amount', 'unit_cost', 'store_id',
    'store_name', 'region', 'channel', 'payment_method', 'country', 'customer_gender',
    'customer_age', 'customer_signup_date'
] -%}
{#- The whole raw line, null-safe and field-separated: equal hashes = exact duplicate lines. -#}
{%- set hash_parts = [] -%}
{%- for column in raw_columns -%}
    {%- do hash_parts.append("coalesce(" ~ column ~ ", '<null>')") -%}
    {%- if not loop.last %}{% do hash_parts.append("'|'") %}{% endif -%}
{%- endfor %}

with

source as (

    select * from {{ source('smartcart', 'invoice_lines') }}

),

parsed as (

    select
        source_row_number as invoice_line_id,
        load_id,
        source_line_number,
        unreadable_reason,
        unreadable_detail,
        {{ dbt.hash(dbt.concat(hash_parts)) }} as raw_line_hash,
        upper(invoice_id) as invoice_id,
        {{ dbt.safe_cast('invoice_date', dbt.type_timestamp()) }} as invoiced_at,
        customer_id,
        product_id,
        product_name,
        category,
        case
            when {{ is_plain_decimal('quantity') }}
                then {{ dbt.safe_cast('quantity', money_type()) }}
        end as quantity_number,
        {{ dbt.safe_cast('unit_price', money_type()) }} as unit_price_number,
        {{ dbt.safe_cast('line_amount', money_type()) }} as line_amount_number,
        {{ dbt.safe_cast('discount_amount', money_type()) }} as discount_amount,
        {{ dbt.safe_cast('unit_cost', money_type()) }} as unit_cost,
        store_id,
        store_name,
        region,
        lower(channel) as channel,
        lower(replace(payment_method, ' ', '_')) as payment_method,
        country,
        case
            when upper(customer_gender) in ('F', 'FEMALE', 'W', 'WOMAN') then 'F'
            when upper(customer_gender) in ('M', 'MALE', 'MAN') then 'M'
        end as customer_gender,
        {{ dbt.safe_cast('customer_age', dbt.type_int()) }} as customer_age,
        {{ dbt.safe_cast('customer_signup_date', 'date') }} as customer_signup_date,
        invoice_date as invoice_date_text,
        quantity as quantity_text,
        unit_price as unit_price_text,
        line_amount as line_amount_text,
        discount_amount as discount_amount_text,
        unit_cost as unit_cost_text
    from source

),

final as (

    select
        invoice_line_id,
        load_id,
        source_line_number,
        unreadable_reason,
        unreadable_detail,
        raw_line_hash,
        invoice_id,
        case
            when substring(invoice_id, 2, 1) not between '0' and '9' then 'standard'
            when left(invoice_id, 1) = 'C' then 'cancellation'
            when left(invoice_id, 1) = 'A' then 'adjustment'
            else 'standard'
        end as invoice_kind,
        invoiced_at,
        cast(invoiced_at as date) as invoice_date,
        customer_id,
        product_id,
        product_name,
        category,
        case
            when quantity_number = floor(quantity_number)
                then cast(quantity_number as {{ dbt.type_int() }})
        end as quantity,
        coalesce(
            unit_price_number,
            {{ ratio('line_amount_number', 'quantity_number') }}
        ) as unit_price,
        coalesce(line_amount_number, quantity_number * unit_price_number) as gross_amount,
        discount_amount,
        unit_cost,
        store_id,
        store_name,
        region,
        channel,
        payment_method,
        country,
        customer_gender,
        customer_age,
        customer_signup_date,
        coalesce(
            (unit_price_text is not null and unit_price_number is null)
            or (line_amount_text is not null and line_amount_number is null)
            or (discount_amount_text is not null and discount_amount is null)
            or (unit_cost_text is not null and unit_cost is null),
            false
        ) as has_unparseable_amount,
        invoice_date_text,
        quantity_text,
        unit_price_text,
        line_amount_text,
        discount_amount_text,
        unit_cost_text
    from parsed

)

select * from final
