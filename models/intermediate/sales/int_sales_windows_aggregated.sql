{#- Performance of every store, region, category and product over the last
    performance_window_days up to as_of_date (the current window), with the window before it
    and the shorter recent window (recent_window_days) and the one before that for growth.
    Long form (one row per grouping level and member), so the measures, shares, ranks and ABC
    classes are written once for store_performance, region_performance, category_performance
    and product_performance.
    A table, because four performance marts read it: as a view it would be computed once per mart. -#}
{{ config(materialized='table') }}

with

sales_lines as {{ not_materialized() }} (

    select * from {{ ref('int_sales_lines_attributed') }}

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

windowed_lines as (

    {#- Each line's place in the windows, counted back from as_of_date. -#}
    select
        dated_lines.*,
        dated_lines.days_before_as_of < {{ var('performance_window_days') }} as is_in_current_window,
        dated_lines.days_before_as_of >= {{ var('performance_window_days') }}
        and dated_lines.days_before_as_of < 2 * {{ var('performance_window_days') }}
            as is_in_previous_window,
        dated_lines.days_before_as_of < {{ var('recent_window_days') }} as is_in_recent_window,
        dated_lines.days_before_as_of >= {{ var('recent_window_days') }}
        and dated_lines.days_before_as_of < 2 * {{ var('recent_window_days') }}
            as is_in_previous_recent_window
    from (
        select
            sales_lines.*,
            {{ dbt.datediff('sales_lines.invoice_date', 'as_of_date.as_of_date', 'day') }}
                as days_before_as_of
        from sales_lines
        cross join as_of_date
    ) as dated_lines

),

levels as (

    select level_values.grouping_level
    from (values ('store'), ('region'), ('category'), ('product')) as level_values (grouping_level)

),

leveled_lines as (

    {#- Each line once per grouping level; a store without a region is in region `unknown`
        (dim_stores), a line without a store in no region. -#}
    select
        levels.grouping_level,
        case levels.grouping_level
            when 'store' then windowed_lines.store_id
            when 'region' then windowed_lines.region
            when 'category' then windowed_lines.category
            else windowed_lines.product_id
        end as member_id,
        windowed_lines.*
    from windowed_lines
    cross join levels

),

measures as (

    select
        grouping_level,
        member_id,
        min(invoice_date) as first_sale_date,
        max(invoice_date) as last_sale_date,
        count(distinct case when grouping_level = 'region' then store_id end) as store_count,
        count(case when is_in_current_window then 1 end) as current_window_line_count,
        sum(case when is_in_current_window then gross_sales_amount else 0 end) as gross_sales,
        sum(case when is_in_current_window then sale_discount_amount end) as discounts,
        count(case when is_in_current_window then sale_discount_amount end) as discount_line_count,
        sum(case when is_in_current_window then returns_amount else 0 end) as returns_amount,
        sum(case when is_in_current_window then net_amount else 0 end) as net_revenue,
        sum(case when is_in_current_window then sale_net_amount else 0 end) as sales_after_discount,
        sum(
            case when is_in_current_window and customer_id is not null then net_amount else 0 end
        ) as customer_net_revenue,
        {{ sum_if_all_known('cost_amount', 'is_in_current_window') }} as cost_amount,
        sum(case when is_in_current_window then units_sold else 0 end) as units_sold,
        sum(case when is_in_current_window then units_returned else 0 end) as units_returned,
        count(distinct case when is_in_current_window then order_invoice_id end) as orders,
        count(distinct case when is_in_current_window then ordering_customer_id end)
            as active_customers,
        count(
            distinct case when is_in_current_window and line_type = 'sale' then invoice_date end
        ) as active_days,
        sum(case when is_in_previous_window then net_amount else 0 end) as previous_net_revenue,
        sum(case when is_in_recent_window then net_amount else 0 end) as recent_net_revenue,
        sum(case when is_in_previous_recent_window then net_amount else 0 end)
            as previous_recent_net_revenue
    from leveled_lines
    where member_id is not null
    group by grouping_level, member_id

),

company as (

    select sum(case when is_in_current_window then net_amount else 0 end) as net_revenue
    from windowed_lines

),

windows as (

    select
        as_of_date.as_of_date as window_end_date,
        cast({{ dbt.dateadd('day', 1 - var('performance_window_days'), 'as_of_date.as_of_date') }} as date)
            as window_start_date,
        cast(
            {{ dbt.dateadd('day', 1 - 2 * var('performance_window_days'), 'as_of_date.as_of_date') }} as date
        ) as previous_window_start_date,
        cast({{ dbt.dateadd('day', 1 - 2 * var('recent_window_days'), 'as_of_date.as_of_date') }} as date)
            as previous_recent_window_start_date
    from as_of_date

),

active as (

    select * from measures
    where
        current_window_line_count > 0
        or previous_net_revenue != 0
        or previous_recent_net_revenue != 0

),

ranked as (

    {#- ABC (Pareto) within each grouping level: members by net revenue, highest first; the
        share of the level's positive net revenue held by the members ranked above decides the
        class: under 80 % A, under 95 % B, else C; no positive net revenue is C. -#}
    select
        active.*,
        rank() over (partition by active.grouping_level order by active.net_revenue desc) as net_revenue_rank,
        sum(case when active.net_revenue > 0 then active.net_revenue else 0 end)
            over (partition by active.grouping_level) as level_positive_net_revenue,
        coalesce(
            sum(active.net_revenue) over (
                partition by active.grouping_level
                order by active.net_revenue desc, active.member_id asc
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as net_revenue_ranked_above
    from active

),

final as (

    select
        ranked.grouping_level,
        ranked.member_id,
        windows.window_start_date,
        windows.window_end_date,
        ranked.first_sale_date,
        ranked.last_sale_date,
        cast(ranked.store_count as bigint) as store_count,
        cast(ranked.current_window_line_count as bigint) as current_window_line_count,
        cast(ranked.gross_sales as {{ money_type() }}) as gross_sales,
        cast(case when ranked.discount_line_count > 0 then ranked.discounts end as {{ money_type() }})
            as discounts,
        cast(ranked.returns_amount as {{ money_type() }}) as returns_amount,
        cast(ranked.net_revenue as {{ money_type() }}) as net_revenue,
        cast(ranked.cost_amount as {{ money_type() }}) as cost_amount,
        cast(ranked.net_revenue - ranked.cost_amount as {{ money_type() }}) as margin_amount,
        {{ ratio('ranked.net_revenue - ranked.cost_amount', 'ranked.net_revenue') }} as margin_rate,
        cast(ranked.units_sold as bigint) as units_sold,
        cast(ranked.units_returned as bigint) as units_returned,
        {{ ratio('ranked.units_returned', 'ranked.units_sold') }} as return_rate,
        cast(ranked.orders as bigint) as orders,
        cast(ranked.active_customers as bigint) as active_customers,
        cast(ranked.active_days as bigint) as active_days,
        {{ ratio('ranked.units_sold', 'ranked.active_days') }} as units_per_active_day,
        {{ money_from_float(ratio('ranked.customer_net_revenue', 'ranked.active_customers')) }}
            as revenue_per_customer,
        {{ money_from_float(ratio('ranked.sales_after_discount', 'ranked.orders')) }}
            as average_order_value,
        {{ ratio('ranked.net_revenue', 'company.net_revenue') }} as share_of_net_revenue,
        cast(ranked.net_revenue_rank as bigint) as net_revenue_rank,
        case
            when ranked.net_revenue <= 0 then 'C'
            when ranked.net_revenue_ranked_above < 0.80 * ranked.level_positive_net_revenue then 'A'
            when ranked.net_revenue_ranked_above < 0.95 * ranked.level_positive_net_revenue then 'B'
            else 'C'
        end as abc_class,
        cast(ranked.previous_net_revenue as {{ money_type() }}) as previous_net_revenue,
        {#- growth only when the member sold before the previous window began (else a partial
            previous window would inflate it) -#}
        case
            when ranked.first_sale_date <= windows.previous_window_start_date
                then {{ ratio(
                    'ranked.net_revenue - ranked.previous_net_revenue',
                    'abs(ranked.previous_net_revenue)'
                ) }}
        end as net_revenue_growth,
        cast(ranked.recent_net_revenue as {{ money_type() }}) as recent_net_revenue,
        cast(ranked.previous_recent_net_revenue as {{ money_type() }}) as previous_recent_net_revenue,
        case
            when ranked.first_sale_date <= windows.previous_recent_window_start_date
                then {{ ratio(
                    'ranked.recent_net_revenue - ranked.previous_recent_net_revenue',
                    'abs(ranked.previous_recent_net_revenue)'
                ) }}
        end as recent_net_revenue_growth
    from ranked
    cross join windows
    cross join company

)

select * from final
