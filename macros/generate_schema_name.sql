{#- Schemas are exactly raw, staging, intermediate and marts: a custom schema is used as is,
    instead of dbt's default <target_schema>_<custom_schema> (which dbt-duckdb turns into main_raw). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
