{#- dbt's default safe_cast is a plain cast on DuckDB, which fails the whole query on one bad
    value. Staging relies on a bad value becoming null (and then being quarantined), so on DuckDB
    it is try_cast. Found through the dispatch search order in dbt_project.yml. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- Spark has the same try_cast (a plain cast fails the query in ANSI mode, Spark 4's default). -#}
{% macro spark__safe_cast(field, type) -%}
    {{ duckdb__safe_cast(field, type) }}
{%- endmacro %}
