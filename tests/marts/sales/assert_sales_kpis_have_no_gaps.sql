-- Rule: every sales_kpis_* table has one row per member (the business, each store, each
-- category) for every day (month) from the first day of dim_dates to as_of_date: as many rows
-- as there are periods, the first on the first day and the last on as_of_date (uniqueness is
-- tested on each table). Returns the tables and members with a gap or a wrong range.
with

dates as (

    select * from {{ ref('dim_dates') }}
    where not is_after_as_of_date

),

sales_kpis_daily as (

    select * from {{ ref('sales_kpis_daily') }}

),

sales_kpis_daily_by_store as (

    select * from {{ ref('sales_kpis_daily_by_store') }}

),

sales_kpis_daily_by_category as (

    select * from {{ ref('sales_kpis_daily_by_category') }}

),

sales_kpis_monthly as (

    select * from {{ ref('sales_kpis_monthly') }}

),

sales_kpis_monthly_by_store as (

    select * from {{ ref('sales_kpis_monthly_by_store') }}

),

sales_kpis_monthly_by_category as (

    select * from {{ ref('sales_kpis_monthly_by_category') }}

),

expected as (

    select
        'day' as period_grain,
        count(*) as period_count,
        min(date_day) as first_period,
        max(date_day) as last_period
    from dates

    union all

    select
        'month' as period_grain,
        count(distinct month_start_date) as period_count,
        min(month_start_date) as first_period,
        max(month_start_date) as last_period
    from dates

),

actual as (

    select
        'sales_kpis_daily' as table_name,
        'day' as period_grain,
        'all' as member_id,
        count(*) as period_count,
        min(date_day) as first_period,
        max(date_day) as last_period
    from sales_kpis_daily

    union all

    select
        'sales_kpis_daily_by_store' as table_name,
        'day' as period_grain,
        store_id as member_id,
        count(*) as period_count,
        min(date_day) as first_period,
        max(date_day) as last_period
    from sales_kpis_daily_by_store
    group by store_id

    union all

    select
        'sales_kpis_daily_by_category' as table_name,
        'day' as period_grain,
        category as member_id,
        count(*) as period_count,
        min(date_day) as first_period,
        max(date_day) as last_period
    from sales_kpis_daily_by_category
    group by category

    union all

    select
        'sales_kpis_monthly' as table_name,
        'month' as period_grain,
        'all' as member_id,
        count(*) as period_count,
        min(month_start_date) as first_period,
        max(month_start_date) as last_period
    from sales_kpis_monthly

    union all

    select
        'sales_kpis_monthly_by_store' as table_name,
        'month' as period_grain,
        store_id as member_id,
        count(*) as period_count,
        min(month_start_date) as first_period,
        max(month_start_date) as last_period
    from sales_kpis_monthly_by_store
    group by store_id

    union all

    select
        'sales_kpis_monthly_by_category' as table_name,
        'month' as period_grain,
        category as member_id,
        count(*) as period_count,
        min(month_start_date) as first_period,
        max(month_start_date) as last_period
    from sales_kpis_monthly_by_category
    group by category

),

gaps as (

    select
        actual.table_name,
        actual.member_id,
        actual.period_count,
        expected.period_count as expected_period_count,
        actual.first_period,
        actual.last_period
    from actual
    inner join expected
        on actual.period_grain = expected.period_grain
    where
        actual.period_count != expected.period_count
        or actual.first_period != expected.first_period
        or actual.last_period != expected.last_period

)

select * from gaps
