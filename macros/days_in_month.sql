{#- The number of days of the month that starts on month_start_date (a date expression). -#}
{% macro days_in_month(month_start_date) -%}
    {{ dbt.datediff(month_start_date, dbt.dateadd('month', 1, month_start_date), 'day') }}
{%- endmacro %}
