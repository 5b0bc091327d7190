{#- The materialization of the models an append build updates in place: incremental on DuckDB
    (each model's is_incremental() branch rebuilds only what the new load can change), a plain
    table on any other engine (the Spark build is always a full build). -#}
{% macro incremental_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}
