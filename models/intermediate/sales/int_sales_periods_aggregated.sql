{#- Sales KPIs of every day and every month for the whole business (grouping level `total`,
    member `all`), each store and each category, in long form; each sales_kpis_* mart takes one
    period grain and one grouping level. Every member has a row for every period from the first
    day of dim_dates to as_of_date, with zeros where nothing sold (no gaps), so growth compares
    with the row one month, twelve months or 364 days (same weekday) earlier.
    A table, because six sales_kpis_* marts read it: as a view it would be computed once per mart.
    Incremental on DuckDB: an append build rebuilds whole periods (every member of each), those
    whose lines int_sales_lines_attributed re-attributed (attributed_in_load_id = the latest
    load), the periods as_of_date added or completed, and the periods whose growth compares with
    one of those; every period when the set of members or the dataset's discount or cost data
    changed. The other periods keep their rows, and give the growth of the rebuilt ones. -#}
{{ config(
    materialized=incremental_materialization(),
    unique_key=['period_grain', 'period_start_date'],
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

-- depends_on: {{ ref('int_invoice_lines_validated') }}

with

all_sales_lines as {{ not_materialized() }} (

    select * from {{ ref('int_sales_lines_attributed') }}

),

dates as (

    select * from {{ ref('dim_dates') }}
    where not is_after_as_of_date

),

months as (

    select * from {{ ref('int_months_observed') }}

),

dataset as (

    {#- Whether the export carries discounts and costs at all: when it does not, those metrics
        are unknown (null) for every period, including periods with no sales. -#}
    select
        count(discount_amount) > 0 as has_discount_data,
        count(cost_amount) > 0 as has_cost_data
    from all_sales_lines

),

grains as (

    select grain_values.period_grain
    from (values ('day'), ('month')) as grain_values (period_grain)

),

levels as (

    select level_values.grouping_level
    from (values ('total'), ('store'), ('category')) as level_values (grouping_level)

),

periods as (

    {#- Every day is a complete period; a month is complete by the one rule of
        int_months_observed. -#}
    select
        'day' as period_grain,
        date_day as period_start_date,
        cast(1 as bigint) as days_in_period,
        true as is_complete_period
    from dates

    union all

    select
        'month' as period_grain,
        month_start_date as period_start_date,
        observed_day_count as days_in_period,
        is_complete_month as is_complete_period
    from months

),

members as (

    select
        'total' as grouping_level,
        'all' as member_id

    union all

    select distinct
        'store' as grouping_level,
        store_id as member_id
    from all_sales_lines
    where store_id is not null

    union all

    select distinct
        'category' as grouping_level,
        category as member_id
    from all_sales_lines

),

{% if is_incremental() %}

periods_before as {{ not_materialized() }} (

    select * from {{ this }}

),

validated_lines as {{ not_materialized() }} (

    select * from {{ ref('int_invoice_lines_validated') }}

),

is_every_period_changed as (

    {#- A new or vanished member needs rows for every period; new discount or cost data turn
        every period's unknowns into zeros. (Without any known cost on a rebuilt row, earlier
        cost data reads as none: a rebuild too many, never one too few.) -#}
    select
        exists (
            select grouping_level, member_id from members
            except
            select grouping_level, member_id from periods_before
        )
        or exists (
            select grouping_level, member_id from periods_before
            except
            select grouping_level, member_id from members
        )
        or (select has_discount_data from dataset)
        != (select coalesce(bool_or(discounts is not null), false) from periods_before)
        or (select has_cost_data from dataset)
        != (select coalesce(bool_or(cost_amount is not null), false) from periods_before)
        as is_changed

),

changed_periods as (

    {#- The days and months of the re-attributed lines ... -#}
    select distinct
        grains.period_grain,
        case
            when grains.period_grain = 'day' then all_sales_lines.invoice_date
            else all_sales_lines.invoice_month
        end as period_start_date
    from all_sales_lines
    cross join grains
    where all_sales_lines.attributed_in_load_id = (
        select max(validated_lines.validated_in_load_id) from validated_lines
    )

    union

    {# ... the periods as_of_date added or whose observed days changed ... #}
    select
        periods.period_grain,
        periods.period_start_date
    from periods
    left join periods_before
        on
            periods.period_grain = periods_before.period_grain
            and periods.period_start_date = periods_before.period_start_date
            and periods_before.grouping_level = 'total'
            and periods.days_in_period = periods_before.days_in_period
            and periods.is_complete_period = periods_before.is_complete_period
    where
        periods_before.period_grain is null
        or (select is_every_period_changed.is_changed from is_every_period_changed)

),

rebuilt_periods as (

    {#- ... and the periods whose growth compares with one of those (a month and a year on; a
        day 364 days on). -#}
    select
        periods.period_grain,
        periods.period_start_date
    from periods
    where exists (
        select 1
        from changed_periods
        where
            changed_periods.period_grain = periods.period_grain
            and periods.period_start_date in (
                changed_periods.period_start_date,
                case
                    when changed_periods.period_grain = 'day'
                        then cast({{ dbt.dateadd('day', 364, 'changed_periods.period_start_date') }} as date)
                    else cast({{ dbt.dateadd('month', 1, 'changed_periods.period_start_date') }} as date)
                end,
                case
                    when changed_periods.period_grain = 'month'
                        then cast({{ dbt.dateadd('month', 12, 'changed_periods.period_start_date') }} as date)
                end
            )
    )

),

{% endif %}

sales_lines as (

    select * from all_sales_lines
    {% if is_incremental() -%}
        where
            invoice_date in (
                select rebuilt_periods.period_start_date from rebuilt_periods
                where rebuilt_periods.period_grain = 'day'
            )
            or invoice_month in (
                select rebuilt_periods.period_start_date from rebuilt_periods
                where rebuilt_periods.period_grain = 'month'
            )
    {%- endif %}

),

leveled_lines as (

    {#- Each line once per period grain and grouping level. -#}
    select
        grains.period_grain,
        case
            when grains.period_grain = 'day' then sales_lines.invoice_date
            else sales_lines.invoice_month
        end as period_start_date,
        levels.grouping_level,
        case levels.grouping_level
            when 'total' then 'all'
            when 'store' then sales_lines.store_id
            else sales_lines.category
        end as member_id,
        case
            when grains.period_grain = 'day'
                then sales_lines.first_order_date = sales_lines.invoice_date
            else sales_lines.first_order_month = sales_lines.invoice_month
        end as is_first_order_period,
        sales_lines.gross_sales_amount,
        sales_lines.sale_discount_amount,
        sales_lines.returns_amount,
        sales_lines.net_amount,
        sales_lines.cost_amount,
        sales_lines.units_sold,
        sales_lines.units_returned,
        sales_lines.order_invoice_id,
        sales_lines.ordering_customer_id
    from sales_lines
    cross join grains
    cross join levels

),

measures as (

    select
        period_grain,
        period_start_date,
        grouping_level,
        member_id,
        sum(gross_sales_amount) as gross_sales,
        sum(sale_discount_amount) as discounts,
        sum(returns_amount) as returns_amount,
        sum(net_amount) as net_revenue,
        {{ sum_if_all_known('cost_amount') }} as cost_amount,
        sum(units_sold) as units_sold,
        sum(units_returned) as units_returned,
        count(distinct order_invoice_id) as orders,
        count(distinct ordering_customer_id) as active_customers,
        count(distinct case when is_first_order_period then ordering_customer_id end) as new_customers
    from leveled_lines
    where member_id is not null
    group by period_grain, period_start_date, grouping_level, member_id

),

filled as (

    select
        periods.period_grain,
        periods.period_start_date,
        periods.days_in_period,
        periods.is_complete_period,
        members.grouping_level,
        members.member_id,
        coalesce(measures.gross_sales, 0) as gross_sales,
        case when dataset.has_discount_data then coalesce(measures.discounts, 0) end as discounts,
        coalesce(measures.returns_amount, 0) as returns_amount,
        coalesce(measures.net_revenue, 0) as net_revenue,
        case
            when measures.member_id is not null then measures.cost_amount
            when dataset.has_cost_data then 0
        end as cost_amount,
        coalesce(measures.units_sold, 0) as units_sold,
        coalesce(measures.units_returned, 0) as units_returned,
        coalesce(measures.orders, 0) as orders,
        coalesce(measures.active_customers, 0) as active_customers,
        coalesce(measures.new_customers, 0) as new_customers
    from periods
    {% if is_incremental() -%}
        inner join rebuilt_periods
            on
                periods.period_grain = rebuilt_periods.period_grain
                and periods.period_start_date = rebuilt_periods.period_start_date
    {%- endif %}
    cross join members
    cross join dataset
    left join measures
        on
            periods.period_grain = measures.period_grain
            and periods.period_start_date = measures.period_start_date
            and members.grouping_level = measures.grouping_level
            and members.member_id = measures.member_id

),

derived as (

    select
        period_grain,
        period_start_date,
        days_in_period,
        is_complete_period,
        grouping_level,
        member_id,
        cast(gross_sales as {{ money_type() }}) as gross_sales,
        cast(discounts as {{ money_type() }}) as discounts,
        cast(returns_amount as {{ money_type() }}) as returns_amount,
        cast(net_revenue as {{ money_type() }}) as net_revenue,
        cast(cost_amount as {{ money_type() }}) as cost_amount,
        cast(net_revenue - cost_amount as {{ money_type() }}) as margin_amount,
        {{ ratio('net_revenue - cost_amount', 'net_revenue') }} as margin_rate,
        cast(orders as bigint) as orders,
        cast(units_sold as bigint) as units_sold,
        cast(units_returned as bigint) as units_returned,
        cast(active_customers as bigint) as active_customers,
        cast(new_customers as bigint) as new_customers,
        cast(active_customers - new_customers as bigint) as returning_customers,
        {{ money_from_float(ratio('gross_sales - coalesce(discounts, 0)', 'orders')) }}
            as average_order_value,
        {{ ratio('units_sold', 'orders') }} as units_per_order
    from filled

),

previous_periods as (

    {#- What growth compares with: the periods built here, and on an append the periods kept. -#}
    select
        period_grain,
        period_start_date,
        grouping_level,
        member_id,
        net_revenue,
        orders
    from derived
    {% if is_incremental() %}
        union all
        select
            periods_before.period_grain,
            periods_before.period_start_date,
            periods_before.grouping_level,
            periods_before.member_id,
            periods_before.net_revenue,
            periods_before.orders
        from periods_before
        where not exists (
            select 1
            from rebuilt_periods
            where
                rebuilt_periods.period_grain = periods_before.period_grain
                and rebuilt_periods.period_start_date = periods_before.period_start_date
        )
    {% endif %}

),

compared as (

    {#- Growth = (current - previous) / |previous|; null when the previous period is zero or
        before the first period. Month on month compares months; year on year compares a month
        with the same month a year earlier and a day with the same weekday 52 weeks earlier. -#}
    select
        derived.*,
        {{ ratio(
            'derived.net_revenue - previous_month.net_revenue', 'abs(previous_month.net_revenue)'
        ) }} as net_revenue_mom_growth,
        {{ ratio(
            'derived.net_revenue - previous_year.net_revenue', 'abs(previous_year.net_revenue)'
        ) }} as net_revenue_yoy_growth,
        {{ ratio('derived.orders - previous_month.orders', 'previous_month.orders') }}
            as orders_mom_growth,
        {{ ratio('derived.orders - previous_year.orders', 'previous_year.orders') }}
            as orders_yoy_growth
    from derived
    left join previous_periods as previous_month
        on
            derived.period_grain = 'month'
            and previous_month.period_grain = 'month'
            and derived.grouping_level = previous_month.grouping_level
            and derived.member_id = previous_month.member_id
            and previous_month.period_start_date
            = cast({{ dbt.dateadd('month', -1, 'derived.period_start_date') }} as date)
    left join previous_periods as previous_year
        on
            derived.period_grain = previous_year.period_grain
            and derived.grouping_level = previous_year.grouping_level
            and derived.member_id = previous_year.member_id
            and previous_year.period_start_date = case
                when derived.period_grain = 'day'
                    then cast({{ dbt.dateadd('day', -364, 'derived.period_start_date') }} as date)
                else cast({{ dbt.dateadd('month', -12, 'derived.period_start_date') }} as date)
            end

),

final as (

    select * from compared

)

select * from final
