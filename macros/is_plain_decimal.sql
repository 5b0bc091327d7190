{#- A number as text is a plain decimal (optional sign, digits, optional decimals): exports
    never write quantities in scientific notation, so `1e3` is a typing error, not 1,000 units.
    Dispatched: default__ uses the SQL-standard similar to. -#}
{% macro is_plain_decimal(text_expression) -%}
    {{ return(adapter.dispatch('is_plain_decimal', 'smartcart')(text_expression)) }}
{%- endmacro %}

{% macro default__is_plain_decimal(text_expression) -%}
    ({{ text_expression }} similar to '[+-]?[0-9]+(.[0-9]*)?')
{%- endmacro %}

{% macro duckdb__is_plain_decimal(text_expression) -%}
    regexp_full_match({{ text_expression }}, '[+-]?[0-9]+(\.[0-9]*)?')
{%- endmacro %}

{% macro spark__is_plain_decimal(text_expression) -%}
    ({{ text_expression }} rlike r'^[+-]?[0-9]+(\.[0-9]*)?$')
{%- endmacro %}
