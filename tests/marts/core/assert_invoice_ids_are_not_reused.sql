-- Rule: an invoice id names one sale: its accepted lines carry at most one customer and dates at
-- most a day apart (an invoice may span midnight). fct_orders makes one order of an invoice id,
-- so an id a later export reuses for another customer or another day (a till's numbering
-- restarted, another system's export appended) would silently merge two sales and move one
-- customer's lines to another. Returns the invoice ids that name more than one sale; the build
-- is then refused, and nothing of the export is published.
with

invoices as (

    select
        invoice_id,
        count(distinct customer_id) as customer_count,
        min(invoice_date) as first_date,
        max(invoice_date) as last_date
    from {{ ref('fct_sales_lines') }}
    group by invoice_id

)

select *
from invoices
where
    customer_count > 1
    or last_date > {{ dbt.dateadd('day', 1, 'first_date') }}
