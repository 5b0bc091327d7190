{#- The type of every money amount (export currency, 4 decimals): one definition, so a wider
    currency or another engine changes one line. -#}
{% macro money_type() -%}
    {{ return(adapter.dispatch('money_type', 'smartcart')()) }}
{%- endmacro %}

{% macro default__money_type() -%}
    decimal(18, 4)
{%- endmacro %}

{#- Sum of value over the rows where condition holds, known only when every such row has one:
    null when any of them lacks the value, and null when there is no such row (nothing is
    known). The house rule for cost: "cost is known only when every product line has one". -#}
{% macro sum_if_all_known(value, condition='true') -%}
    case
        when count(case when {{ condition }} then 1 end)
            = count(case when {{ condition }} then {{ value }} end)
            then sum(case when {{ condition }} then {{ value }} end)
    end
{%- endmacro %}

{#- A floating-point amount (a ratio of money amounts, a model's prediction) as money, rounded
    half away from zero at the 4th decimal of its decimal value, on every engine. A plain cast
    rounds wherever the engine's conversion lands (DuckDB scales the binary double, Spark rounds
    its shortest decimal text), which differs at an exact half of the 4th decimal; 10 decimals
    first fix the decimal value both engines then round alike. -#}
{% macro money_from_float(expression) -%}
    {{ return(adapter.dispatch('money_from_float', 'smartcart')(expression)) }}
{%- endmacro %}

{% macro default__money_from_float(expression) -%}
    cast(round(cast({{ expression }} as decimal(38, 10)), 4) as {{ money_type() }})
{%- endmacro %}
