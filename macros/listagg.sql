{#- dbt-spark's listagg drops the order_by_clause (with a warning), so the list's order would
    depend on the plan. Spark 4 has listagg ... within group (order by ...): the same order as
    DuckDB's string_agg. Found through the dispatch search order in dbt_project.yml. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg with limit_num is not ported to Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}
