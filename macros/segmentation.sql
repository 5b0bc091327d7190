{#- SQL entry points to the segmentation, created as DuckDB macros in the warehouse by post-hooks:
    marts.customer_segment_for (scores one customer with marts.segmentation_parameters) and
    marts.campaign_what_if (campaign_roi_simulation for ad-hoc inputs). Both are DuckDB-only, so
    they are dispatched; other engines get no macro and a log line. -#}

{#- schema.identifier without the catalog: the warehouse's catalog name is its file name, which
    changes when the build file is published, so the macros resolve tables in the database they
    are called from. -#}
{% macro unqualified_relation(relation) -%}
    {{ relation.schema }}.{{ relation.identifier }}
{%- endmacro %}


{% macro create_segment_scorer(parameters_relation) -%}
    {{ return(adapter.dispatch('create_segment_scorer', 'smartcart')(parameters_relation)) }}
{%- endmacro %}

{% macro default__create_segment_scorer(parameters_relation) -%}
    {% do log("customer_segment_for is DuckDB-only: not created on " ~ target.type, info=true) %}
{%- endmacro %}

{% macro duckdb__create_segment_scorer(parameters_relation) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set feature_rows = run_query(
        "select feature, feature_order from " ~ parameters_relation
        ~ " where cluster_id = (select min(cluster_id) from " ~ parameters_relation ~ ")"
        ~ " order by feature_order"
    ).rows -%}
create or replace macro {{ parameters_relation.schema }}.customer_segment_for(
    {%- for row in feature_rows %}
    {{ row[0] }} := null{{ ',' if not loop.last }}
    {%- endfor %}
) as (
    with

    feature_values as (
        {%- for row in feature_rows %}
        select {{ row[1] }} as feature_order, cast({{ row[0] }} as double) as raw_value
        {%- if not loop.last %}
        union all{% endif %}
        {%- endfor %}
    ),

    capped as (
        select
            parameters.cluster_id,
            parameters.segment_name,
            parameters.centroid,
            parameters.log_transform,
            parameters.center,
            parameters.scale,
            parameters.z_limit,
            least(
                greatest(coalesce(feature_values.raw_value, parameters.fill_value), parameters.cap_lower),
                parameters.cap_upper
            ) as capped_value
        from {{ unqualified_relation(parameters_relation) }} as parameters
        inner join feature_values
            on parameters.feature_order = feature_values.feature_order
    ),

    standardised as (
        select
            capped.cluster_id,
            capped.segment_name,
            capped.centroid,
            least(greatest(
                (
                    case when capped.log_transform then ln(1 + capped.capped_value) else capped.capped_value end
                    - capped.center
                ) / capped.scale,
                -capped.z_limit
            ), capped.z_limit) as z
        from capped
    ),

    distances as (
        select
            standardised.cluster_id,
            standardised.segment_name,
            sum((standardised.z - standardised.centroid) * (standardised.z - standardised.centroid))
                as squared_distance
        from standardised
        group by standardised.cluster_id, standardised.segment_name
    )

    select {
        'cluster_id': cast(distances.cluster_id as integer),
        'segment_name': distances.segment_name,
        'distance_to_centroid': sqrt(distances.squared_distance)
    }
    from distances
    order by distances.squared_distance, distances.cluster_id
    limit 1
)
{%- endmacro %}


{#- The campaign arithmetic (doc campaign_assumptions), shared by the campaign_roi_simulation mart
    and the marts.campaign_what_if macro so both compute the same numbers. Portable SQL. Arguments
    name relations or CTEs: scenarios (the seed's columns), customer_targets
    (int_customer_targets_joined), orders (rows of fct_orders that are orders) and as_of_date
    (int_as_of_date). A scenario targets the customers of its segment (or all) that are also in
    its churn-risk band and CLV tier when it names them. Returns one row per scenario. -#}
{% macro campaign_roi_estimates(scenarios, customer_targets, orders, as_of_date) -%}
    with

    targeted_customers as (
        select
            scenarios.scenario_id,
            customer_targets.customer_id,
            customer_targets.order_count,
            customer_targets.net_revenue,
            customer_targets.net_revenue_with_known_cost,
            customer_targets.margin_amount,
            customer_targets.expected_revenue_90d
        from {{ scenarios }} as scenarios
        inner join {{ customer_targets }} as customer_targets
            on
                (
                    scenarios.target_segment = customer_targets.segment_name
                    or scenarios.target_segment = 'All customers'
                )
                and (
                    scenarios.target_churn_risk_band is null
                    or scenarios.target_churn_risk_band = customer_targets.churn_risk_band
                )
                and (
                    scenarios.target_clv_tier is null
                    or scenarios.target_clv_tier = customer_targets.clv_tier
                )
    ),

    target_totals as (
        select
            targeted_customers.scenario_id,
            count(*) as targeted_customers,
            sum(targeted_customers.order_count) as order_count,
            sum(targeted_customers.net_revenue) as net_revenue,
            sum(targeted_customers.net_revenue_with_known_cost) as net_revenue_with_known_cost,
            sum(targeted_customers.margin_amount) as margin_amount,
            sum(targeted_customers.expected_revenue_90d) as revenue_at_stake_90d
        from targeted_customers
        group by targeted_customers.scenario_id
    ),

    baseline_orders as (
        {#- Orders of the targeted customers in the campaign_days days up to as_of_date. -#}
        select
            targeted_customers.scenario_id,
            count(*) as baseline_order_count
        from targeted_customers
        inner join {{ orders }} as orders
            on targeted_customers.customer_id = orders.customer_id
        inner join {{ scenarios }} as scenarios
            on targeted_customers.scenario_id = scenarios.scenario_id
        cross join {{ as_of_date }} as as_of_date
        where
            orders.invoice_date <= as_of_date.as_of_date
            and {{ dbt.datediff('orders.invoice_date', 'as_of_date.as_of_date', 'day') }}
            < scenarios.campaign_days
        group by targeted_customers.scenario_id
    ),

    targeted as (
        select
            scenarios.scenario_id,
            scenarios.scenario_name,
            scenarios.target_segment,
            scenarios.target_churn_risk_band,
            scenarios.target_clv_tier,
            as_of_date.as_of_date,
            scenarios.discount_rate,
            scenarios.expected_response_rate,
            scenarios.extra_orders_per_responder,
            scenarios.contact_cost_per_customer,
            scenarios.campaign_days,
            coalesce(target_totals.targeted_customers, 0) as targeted_customers,
            coalesce(target_totals.revenue_at_stake_90d, 0) as revenue_at_stake_90d,
            {{ ratio('target_totals.net_revenue', 'target_totals.order_count') }} as net_revenue_per_order,
            {{ ratio(
                'cast(target_totals.margin_amount as double)',
                'target_totals.net_revenue_with_known_cost'
            ) }} as margin_rate,
            {{ ratio(
                'cast(coalesce(baseline_orders.baseline_order_count, 0) as double)',
                'target_totals.targeted_customers'
            ) }} as baseline_orders_per_customer
        from {{ scenarios }} as scenarios
        cross join {{ as_of_date }} as as_of_date
        left join target_totals
            on scenarios.scenario_id = target_totals.scenario_id
        left join baseline_orders
            on scenarios.scenario_id = baseline_orders.scenario_id
    ),

    responses as (
        select
            targeted.*,
            targeted.targeted_customers * targeted.expected_response_rate as expected_responders,
            targeted.targeted_customers * targeted.expected_response_rate
            * targeted.extra_orders_per_responder as expected_incremental_orders,
            targeted.targeted_customers * targeted.expected_response_rate
            * coalesce(targeted.baseline_orders_per_customer, 0) as expected_baseline_orders
        from targeted
    ),

    costed as (
        select
            responses.*,
            responses.expected_incremental_orders * coalesce(responses.net_revenue_per_order, 0)
                as expected_incremental_revenue,
            responses.discount_rate * coalesce(responses.net_revenue_per_order, 0)
            * (responses.expected_incremental_orders + responses.expected_baseline_orders) as discount_cost,
            responses.targeted_customers * responses.contact_cost_per_customer as contact_cost
        from responses
    ),

    margins as (
        select
            costed.*,
            costed.discount_cost + costed.contact_cost as campaign_cost,
            costed.expected_incremental_revenue * costed.margin_rate
            - costed.discount_cost - costed.contact_cost as margin_impact
        from costed
    ),

    estimates as (
        select
            cast(margins.scenario_id as integer) as scenario_id,
            cast(margins.scenario_name as {{ dbt.type_string() }}) as scenario_name,
            cast(margins.target_segment as {{ dbt.type_string() }}) as target_segment,
            cast(margins.target_churn_risk_band as {{ dbt.type_string() }}) as target_churn_risk_band,
            cast(margins.target_clv_tier as {{ dbt.type_string() }}) as target_clv_tier,
            cast(margins.as_of_date as date) as as_of_date,
            cast(margins.discount_rate as double) as discount_rate,
            cast(margins.expected_response_rate as double) as expected_response_rate,
            cast(margins.extra_orders_per_responder as double) as extra_orders_per_responder,
            cast(margins.contact_cost_per_customer as {{ money_type() }}) as contact_cost_per_customer,
            cast(margins.campaign_days as integer) as campaign_days,
            cast(margins.targeted_customers as integer) as targeted_customers,
            cast(margins.revenue_at_stake_90d as {{ money_type() }}) as revenue_at_stake_90d,
            cast(margins.expected_responders as double) as expected_responders,
            cast(margins.net_revenue_per_order as {{ money_type() }}) as net_revenue_per_order,
            cast(margins.baseline_orders_per_customer as double) as baseline_orders_per_customer,
            cast(margins.expected_incremental_orders as double) as expected_incremental_orders,
            cast(margins.expected_baseline_orders as double) as expected_baseline_orders,
            cast(margins.expected_incremental_revenue as {{ money_type() }}) as expected_incremental_revenue,
            cast(margins.discount_cost as {{ money_type() }}) as discount_cost,
            cast(margins.contact_cost as {{ money_type() }}) as contact_cost,
            cast(margins.campaign_cost as {{ money_type() }}) as campaign_cost,
            cast(margins.margin_rate as double) as margin_rate,
            cast(margins.margin_impact as {{ money_type() }}) as margin_impact,
            {{ ratio('cast(margins.margin_impact as double)', 'margins.campaign_cost') }}
                as roi,
            {{ ratio(
                'cast(margins.expected_incremental_revenue - margins.campaign_cost as double)',
                'margins.campaign_cost'
            ) }} as revenue_roi,
            cast(case
                when margins.targeted_customers = 0
                    then {{ dbt.concat([
                        "'No customer is in segment '",
                        'margins.target_segment',
                        "coalesce(' with churn risk ' || margins.target_churn_risk_band, '')",
                        "coalesce(' in CLV tier ' || margins.target_clv_tier, '')",
                        "' in this build (segment names depend on the data), so nothing is targeted.'",
                    ]) }}
                when margins.margin_rate is null
                    then 'No sale of the targeted customers has a known cost, so the margin rate is unknown: '
                    || 'margin_impact and roi are null; revenue_roi ignores the cost of goods.'
            end as {{ dbt.type_string() }}) as estimate_note
        from margins
    )

    select * from estimates
{%- endmacro %}


{% macro create_campaign_what_if(simulation_relation) -%}
    {{ return(adapter.dispatch('create_campaign_what_if', 'smartcart')(simulation_relation)) }}
{%- endmacro %}

{% macro default__create_campaign_what_if(simulation_relation) -%}
    {% do log("campaign_what_if is DuckDB-only: not created on " ~ target.type, info=true) %}
{%- endmacro %}

{% macro duckdb__create_campaign_what_if(simulation_relation) -%}
create or replace macro {{ simulation_relation.schema }}.campaign_what_if(
    target_segment,
    discount_rate,
    expected_response_rate,
    extra_orders_per_responder := 1,
    contact_cost_per_customer := 0,
    campaign_days := 30,
    target_churn_risk_band := null,
    target_clv_tier := null
) as table
    with

    what_if_scenario as (
        select
            0 as scenario_id,
            'What-if' as scenario_name,
            cast(target_segment as {{ dbt.type_string() }}) as target_segment,
            cast(target_churn_risk_band as {{ dbt.type_string() }}) as target_churn_risk_band,
            cast(target_clv_tier as {{ dbt.type_string() }}) as target_clv_tier,
            cast(discount_rate as double) as discount_rate,
            cast(expected_response_rate as double) as expected_response_rate,
            cast(extra_orders_per_responder as double) as extra_orders_per_responder,
            cast(contact_cost_per_customer as {{ money_type() }}) as contact_cost_per_customer,
            cast(campaign_days as integer) as campaign_days
    ),

    what_if_orders as (
        select * from {{ unqualified_relation(ref('fct_orders')) }}
        where invoice_type = 'order' and customer_id is not null
    ),

    what_if_estimates as (
        {{ campaign_roi_estimates(
            'what_if_scenario',
            unqualified_relation(ref('int_customer_targets_joined')),
            'what_if_orders',
            unqualified_relation(ref('int_as_of_date')),
        ) }}
    )

    select * from what_if_estimates
{%- endmacro %}
