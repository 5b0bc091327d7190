{#- How sales vary with the month of the year, the quarter, the day of the week and the hour of
    the day, as indices (1.0 = average), over every day from the first sale to as_of_date
    (days without sales count as zero). -#}

with

sales_lines as {{ not_materialized() }} (

    select * from {{ ref('int_sales_lines_attributed') }}

),

orders as {{ not_materialized() }} (

    select * from {{ ref('fct_orders') }}
    where invoice_type = 'order'

),

dates as (

    select * from {{ ref('dim_dates') }}
    where not is_after_as_of_date

),

buckets as (

    select
        bucket_values.profile,
        bucket_values.period_number,
        bucket_values.period_label
    from (
        values
        ('month_of_year', 1, 'Jan'), ('month_of_year', 2, 'Feb'), ('month_of_year', 3, 'Mar'),
        ('month_of_year', 4, 'Apr'), ('month_of_year', 5, 'May'), ('month_of_year', 6, 'Jun'),
        ('month_of_year', 7, 'Jul'), ('month_of_year', 8, 'Aug'), ('month_of_year', 9, 'Sep'),
        ('month_of_year', 10, 'Oct'), ('month_of_year', 11, 'Nov'), ('month_of_year', 12, 'Dec'),
        ('quarter', 1, 'Q1'), ('quarter', 2, 'Q2'), ('quarter', 3, 'Q3'), ('quarter', 4, 'Q4'),
        ('day_of_week', 1, 'Mon'), ('day_of_week', 2, 'Tue'), ('day_of_week', 3, 'Wed'),
        ('day_of_week', 4, 'Thu'), ('day_of_week', 5, 'Fri'), ('day_of_week', 6, 'Sat'),
        ('day_of_week', 7, 'Sun'),
        ('hour_of_day', 0, '00:00'), ('hour_of_day', 1, '01:00'), ('hour_of_day', 2, '02:00'),
        ('hour_of_day', 3, '03:00'), ('hour_of_day', 4, '04:00'), ('hour_of_day', 5, '05:00'),
        ('hour_of_day', 6, '06:00'), ('hour_of_day', 7, '07:00'), ('hour_of_day', 8, '08:00'),
        ('hour_of_day', 9, '09:00'), ('hour_of_day', 10, '10:00'), ('hour_of_day', 11, '11:00'),
        ('hour_of_day', 12, '12:00'), ('hour_of_day', 13, '13:00'), ('hour_of_day', 14, '14:00'),
        ('hour_of_day', 15, '15:00'), ('hour_of_day', 16, '16:00'), ('hour_of_day', 17, '17:00'),
        ('hour_of_day', 18, '18:00'), ('hour_of_day', 19, '19:00'), ('hour_of_day', 20, '20:00'),
        ('hour_of_day', 21, '21:00'), ('hour_of_day', 22, '22:00'), ('hour_of_day', 23, '23:00')
    ) as bucket_values (profile, period_number, period_label)

),

daily_revenue as (

    select
        invoice_date,
        sum(net_amount) as net_revenue
    from sales_lines
    group by invoice_date

),

daily_orders as (

    select
        invoice_date,
        count(*) as orders
    from orders
    group by invoice_date

),

days as (

    select
        dates.date_day,
        dates.month_of_year,
        dates.calendar_quarter,
        dates.iso_day_of_week,
        coalesce(daily_revenue.net_revenue, 0) as net_revenue,
        coalesce(daily_orders.orders, 0) as orders
    from dates
    left join daily_revenue
        on dates.date_day = daily_revenue.invoice_date
    left join daily_orders
        on dates.date_day = daily_orders.invoice_date

),

overall as (

    select
        count(*) as day_count,
        avg(net_revenue) as average_daily_net_revenue,
        avg(orders) as average_daily_orders
    from days

),

calendar_profiles as (

    select profile_values.profile
    from (values ('month_of_year'), ('quarter'), ('day_of_week')) as profile_values (profile)

),

leveled_days as (

    select
        calendar_profiles.profile,
        case calendar_profiles.profile
            when 'month_of_year' then days.month_of_year
            when 'quarter' then days.calendar_quarter
            else days.iso_day_of_week
        end as period_number,
        days.net_revenue,
        days.orders
    from days
    cross join calendar_profiles

),

calendar_periods as (

    {#- Index = the period's average day / the average day overall. -#}
    select
        leveled_days.profile,
        leveled_days.period_number,
        count(*) as days_observed,
        sum(leveled_days.net_revenue) as net_revenue,
        sum(leveled_days.orders) as orders,
        avg(leveled_days.net_revenue) as average_daily_net_revenue,
        {{ ratio('avg(leveled_days.net_revenue)', 'max(overall.average_daily_net_revenue)') }}
            as net_revenue_index,
        {{ ratio('avg(leveled_days.orders)', 'max(overall.average_daily_orders)') }} as orders_index
    from leveled_days
    cross join overall
    group by leveled_days.profile, leveled_days.period_number

),

time_of_day as (

    {#- Exports with dates only (every line at midnight) have no hour-of-day profile. -#}
    select
        count(case when invoiced_at != cast(invoice_date as {{ dbt.type_timestamp() }}) then 1 end) > 0
            as has_time_of_day
    from sales_lines

),

hourly_revenue as (

    select
        cast(extract(hour from invoiced_at) as integer) as hour_of_day,
        sum(net_amount) as net_revenue
    from sales_lines
    group by cast(extract(hour from invoiced_at) as integer)

),

hourly_orders as (

    select
        cast(extract(hour from invoiced_at) as integer) as hour_of_day,
        count(*) as orders
    from orders
    group by cast(extract(hour from invoiced_at) as integer)

),

hours as (

    {#- Index = the hour's share of the total × 24 (1.0 = an average hour). -#}
    select
        'hour_of_day' as profile,
        buckets.period_number,
        overall.day_count as days_observed,
        coalesce(hourly_revenue.net_revenue, 0) as net_revenue,
        coalesce(hourly_orders.orders, 0) as orders,
        {{ ratio('coalesce(hourly_revenue.net_revenue, 0)', 'overall.day_count') }}
            as average_daily_net_revenue,
        case
            when time_of_day.has_time_of_day
                then 24 * {{ ratio(
                    'coalesce(hourly_revenue.net_revenue, 0)', 'sum(hourly_revenue.net_revenue) over ()'
                ) }}
        end as net_revenue_index,
        case
            when time_of_day.has_time_of_day
                then 24 * {{ ratio(
                    'coalesce(hourly_orders.orders, 0)', 'sum(hourly_orders.orders) over ()'
                ) }}
        end as orders_index
    from buckets
    cross join time_of_day
    cross join overall
    left join hourly_revenue
        on buckets.period_number = hourly_revenue.hour_of_day
    left join hourly_orders
        on buckets.period_number = hourly_orders.hour_of_day
    where buckets.profile = 'hour_of_day'

),

profiles as (

    select * from calendar_periods
    union all
    select * from hours

),

final as (

    select
        buckets.profile,
        cast(buckets.period_number as integer) as period_number,
        buckets.period_label,
        cast(coalesce(profiles.days_observed, 0) as bigint) as days_observed,
        cast(coalesce(profiles.net_revenue, 0) as {{ money_type() }}) as net_revenue,
        cast(coalesce(profiles.orders, 0) as bigint) as orders,
        cast(profiles.average_daily_net_revenue as {{ money_type() }}) as average_daily_net_revenue,
        profiles.net_revenue_index,
        profiles.orders_index,
        profiles.net_revenue_index >= 1 + {{ var('seasonality_threshold') }} as is_peak,
        profiles.net_revenue_index <= 1 - {{ var('seasonality_threshold') }} as is_low
    from buckets
    left join profiles
        on
            buckets.profile = profiles.profile
            and buckets.period_number = profiles.period_number

)

select * from final
