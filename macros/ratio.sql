{#- numerator / denominator as a floating-point number, null when the denominator is zero or
    null. DuckDB's `/` is always floating-point division; engines where integer / integer
    truncates (Postgres, Redshift) get the numerator cast to a float first. -#}
{% macro ratio(numerator, denominator) -%}
    {{ return(adapter.dispatch('ratio', 'smartcart')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ dbt.type_float() }}) / nullif({{ denominator }}, 0)
{%- endmacro %}

{% macro duckdb__ratio(numerator, denominator) -%}
    ({{ numerator }}) / nullif({{ denominator }}, 0)
{%- endmacro %}

{#- Spark divides decimals as decimals, rounded to 6 places; DuckDB divides them as doubles.
    Both operands as double give DuckDB's result on Spark. -#}
{% macro spark__ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / cast(nullif({{ denominator }}, 0) as double)
{%- endmacro %}
