{#- The KPI measures every sales_kpis_* mart publishes, from int_sales_periods_aggregated, in
    one place so the six marts (day/month × total/store/category) cannot drift apart. -#}
{% macro sales_kpi_columns(relation_alias) -%}
    {%- set measures = [
        'gross_sales', 'discounts', 'returns_amount', 'net_revenue', 'cost_amount',
        'margin_amount', 'margin_rate', 'orders', 'units_sold', 'units_returned',
        'active_customers', 'new_customers', 'returning_customers', 'average_order_value',
        'units_per_order'
    ] -%}
    {%- for measure in measures %}
        {{ relation_alias }}.{{ measure }},
    {%- endfor %}
{%- endmacro %}
