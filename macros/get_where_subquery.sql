{#- dbt's get_where_subquery (what a data test reads when it has a `where` config), with two
    scopes for the tests of the line-level models, so an append build tests the lines it
    changed, not the whole history again (README, "Incremental models"):
    - `__latest_load__`: the rows of the latest load (load_id), for the staged raw lines;
    - `__lines_validated_by_this_build__`: the lines int_invoice_lines_validated marks as
      validated by this build (validated_in_load_id), for the models the append rewrites
      those lines in.
    A full build loads one file and validates every line, so both scopes are every row there.
    (When dbt parses a test, before it runs, the test reads the whole relation.)
    Any other `where` is used as written, as dbt does. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where or not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- if where == '__latest_load__' -%}
        {%- set where -%}
            load_id = (select max(load_id) from {{ relation }})
        {%- endset -%}
    {%- elif where == '__lines_validated_by_this_build__' -%}
        {#- Every model scoped so is downstream of int_invoice_lines_validated: it is built. Not
            ref(), which would add a dependency dbt cannot see when it parses the test. -#}
        {%- set validated = graph.nodes['model.' ~ project_name ~ '.int_invoice_lines_validated'].relation_name -%}
        {%- set where -%}
            invoice_line_id in (
                select invoice_line_id from {{ validated }}
                where validated_in_load_id = (select max(validated_in_load_id) from {{ validated }})
            )
        {%- endset -%}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}
