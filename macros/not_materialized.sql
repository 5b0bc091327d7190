{#- Written between a CTE's name and `as (`: DuckDB materializes a CTE that is referenced more
    than once, which for a line-level CTE means writing every wide row out (to the spill folder
    past the memory limit) and reading it back; inlined, each reference is a plain scan. Spark
    inlines CTEs anyway. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'smartcart')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}
