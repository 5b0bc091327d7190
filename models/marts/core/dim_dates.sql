with

sales_lines as (

    select * from {{ ref('int_invoice_lines_accepted') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

bounds as (

    select
        min(sales_lines.invoice_date) as first_date,
        max(as_of_date.as_of_date) as as_of_date
    from sales_lines
    cross join as_of_date

),

digits as (

    select digit_values.digit
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digit_values (digit)

),

day_offsets as (

    {#- 0 .. 99,999 days (270+ years), enough for any export plus the forecast horizon. -#}
    select d1.digit + 10 * d2.digit + 100 * d3.digit + 1000 * d4.digit + 10000 * d5.digit as day_offset
    from digits as d1
    cross join digits as d2
    cross join digits as d3
    cross join digits as d4
    cross join digits as d5

),

spine as (

    select
        cast(
            {{ dbt.dateadd('day', 'day_offsets.day_offset', 'bounds.first_date') }} as date
        ) as date_day,
        bounds.as_of_date
    from day_offsets
    cross join bounds
    where
        day_offsets.day_offset
        <= {{ dbt.datediff('bounds.first_date', 'bounds.as_of_date', 'day') }}
        + {{ var('forecast_horizon_days') }}

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
