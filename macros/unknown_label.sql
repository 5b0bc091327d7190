{#- The label of a missing grouping value (region, payment method, age band, gender, discount
    band, store): one word everywhere, so marts that group by the same attribute agree. -#}
{% macro unknown_label() -%}
    'unknown'
{%- endmacro %}
