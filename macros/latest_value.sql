{#- The value (null included) of the row with the greatest ordering key in a group, as one
    aggregate (no window, no sort); order_keys compare in order, like an `order by ... desc`
    list. -#}
{% macro latest_value(value, order_keys) -%}
    {{ return(adapter.dispatch('latest_value', 'smartcart')(value, order_keys)) }}
{%- endmacro %}

{% macro default__latest_value(value, order_keys) -%}
    arg_max_null({{ value }}, row({{ order_keys | join(", ") }}))
{%- endmacro %}

{% macro spark__latest_value(value, order_keys) -%}
    max_by({{ value }}, struct({{ order_keys | join(', ') }}))
{%- endmacro %}
