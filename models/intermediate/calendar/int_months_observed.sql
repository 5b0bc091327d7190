{#- The one "complete month" rule of the sales and customer marts: a month is complete when
    every calendar day of it lies between the first accepted invoice and as_of_date (the days of
    dim_dates up to as_of_date). The month under way is not, unless as_of_date is its last day;
    neither is the month of the first sale when the export starts after its first day. -#}
with

dates as (

    select * from {{ ref('dim_dates') }}

),

observed_days as (

    select
        month_start_date,
        count(*) as observed_day_count
    from dates
    where not is_after_as_of_date
    group by month_start_date

),

final as (

    select
        month_start_date,
        observed_day_count,
        observed_day_count
        = {{ days_in_month('month_start_date') }} as is_complete_month
    from observed_days

)

select * from final
