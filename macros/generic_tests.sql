{#- Generic tests (no dbt hub here). Each returns the failing rows and dispatches, so another
    engine can override the SQL. -#}

{% test unique_combination_of_columns(model, combination_of_columns) %}
    {{ return(adapter.dispatch('test_unique_combination_of_columns', 'smartcart')(model, combination_of_columns)) }}
{% endtest %}

{% macro default__test_unique_combination_of_columns(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as duplicate_count
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endmacro %}


{#- column_name is accepted so the test can sit under a column; the expression says what to check. -#}
{% test expression_is_true(model, expression, column_name=none, where_clause=none) %}
    {{ return(adapter.dispatch('test_expression_is_true', 'smartcart')(model, expression, where_clause)) }}
{% endtest %}

{% macro default__test_expression_is_true(model, expression, where_clause) %}
select *
from {{ model }}
where not coalesce({{ expression }}, false)
{%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endmacro %}


{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
    {{ return(adapter.dispatch('test_accepted_range', 'smartcart')(model, column_name, min_value, max_value)) }}
{% endtest %}

{% macro default__test_accepted_range(model, column_name, min_value, max_value) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and (
    false
    {%- if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
    {%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
  )
{% endmacro %}


{#- Fails with one row (both counts) when the model and compare_model have different row counts:
    e.g. a Python model that dropped or duplicated customers. -#}
{% test equal_row_count(model, compare_model) %}
    {{ return(adapter.dispatch('test_equal_row_count', 'smartcart')(model, compare_model)) }}
{% endtest %}

{% macro default__test_equal_row_count(model, compare_model) %}
with

model_rows as (
    select count(*) as row_count from {{ model }}
),

compare_rows as (
    select count(*) as row_count from {{ compare_model }}
)

select
    model_rows.row_count as model_row_count,
    compare_rows.row_count as compare_model_row_count
from model_rows
cross join compare_rows
where model_rows.row_count != compare_rows.row_count
{% endmacro %}
