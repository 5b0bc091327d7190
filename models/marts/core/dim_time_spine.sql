{#- MetricFlow's time spine: the days of dim_dates up to as_of_date, so a metric joined to the
    spine covers exactly the periods the sales_kpis_* marts cover (no forecast horizon). -#}

with

dates as (

    select * from {{ ref('dim_dates') }}

),

final as (

    select date_day
    from dates
    where not is_after_as_of_date

)

select * from final
