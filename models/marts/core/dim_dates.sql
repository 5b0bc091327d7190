{#- Every day from the first accepted invoice to as_of_date plus the forecast horizon. The days
    come from dbt.date_spine over a fixed calendar (its bounds are literals, so the number of
    days is known at compile time without reading the warehouse); the spine is then cut to the
    export's dates. -#}
{%- set calendar_start = "cast('1800-01-01' as date)" -%}
{%- set calendar_end = "cast('2300-01-01' as date)" -%}

with

sales_lines as (

    select * from {{ ref('int_invoice_lines_accepted') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

calendar as (

    {{ dbt.date_spine('day', calendar_start, calendar_end) }}

),

bounds as (

    select
        min(sales_lines.invoice_date) as first_date,
        max(as_of_date.as_of_date) as as_of_date
    from sales_lines
    cross join as_of_date

),

spine as (

    select
        cast(calendar.date_day as date) as date_day,
        bounds.as_of_date
    from calendar
    cross join bounds
    where
        calendar.date_day >= bounds.first_date
        and {{ dbt.datediff('bounds.as_of_date', 'calendar.date_day', 'day') }}
        <= {{ var('forecast_horizon_days') }}

),

final as (

    select
        date_day,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as month_of_year,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
        cast({{ iso_day_of_week('date_day') }} as integer) as iso_day_of_week,
        cast({{ iso_day_of_week('date_day') }} in (6, 7) as boolean) as is_weekend,
        cast(extract(day from date_day) as integer) as day_of_month,
        date_day > as_of_date as is_after_as_of_date
    from spine

)

select * from final
