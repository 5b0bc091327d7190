-- Rule: the monthly customer marts count the same customers. Each month, a cohort's month-0
-- size = the new customers of customer_retention_monthly, and one-time + repeat active
-- customers of customer_repeat_monthly = its active customers. Returns the months that differ.
with

cohorts as (

    select * from {{ ref('customer_cohorts') }}

),

retention as (

    select * from {{ ref('customer_retention_monthly') }}

),

repeat_monthly as (

    select * from {{ ref('customer_repeat_monthly') }}

),

cohort_sizes as (

    select
        cohort_month as month_start_date,
        cohort_customers
    from cohorts
    where months_since_first_order = 0

),

repeat_active as (

    select
        month_start_date,
        sum(active_customers) as active_customers
    from repeat_monthly
    group by month_start_date

),

compared as (

    select
        retention.month_start_date,
        retention.new_customers,
        coalesce(cohort_sizes.cohort_customers, 0) as cohort_customers,
        retention.active_customers,
        repeat_active.active_customers as repeat_monthly_active_customers
    from retention
    left join cohort_sizes
        on retention.month_start_date = cohort_sizes.month_start_date
    left join repeat_active
        on retention.month_start_date = repeat_active.month_start_date

)

select * from compared
where
    new_customers != cohort_customers
    or repeat_monthly_active_customers is null
    or active_customers != repeat_monthly_active_customers
