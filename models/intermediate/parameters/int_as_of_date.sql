{#- The date every model is computed as of: the as_of_date var, or else the latest invoice date
    that is not in the future (so a mistyped 2099 date cannot move the clock). -#}
{{ config(materialized='table') }}

{%- set as_of_var = var('as_of_date') %}

with

invoice_lines as (

    select * from {{ ref('stg_smartcart__invoice_lines') }}

),

final as (

    select
        coalesce(
            cast({{ "'" ~ as_of_var ~ "'" if as_of_var else 'null' }} as date),
            max(invoice_date)
        ) as as_of_date
    from invoice_lines
    where invoice_date <= cast({{ dbt.current_timestamp() }} as date)

)

select * from final
