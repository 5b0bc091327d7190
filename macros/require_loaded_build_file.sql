{#- on-run-start: dbt runs only against a build file the loader filled, from the project folder.
    `make build` loads the export first; a plain `dbt build` on a fresh clone (or after a build
    published and so consumed its build file) stops here in one line instead of failing deep in
    the DAG. The profile's path is relative to the current folder, so from another folder it
    would create a stray database there: refuse that too. -#}
{% macro require_loaded_build_file() %}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set in_project = run_query("select count(*) from glob('dbt_project.yml')").columns[0].values()[0] -%}
        {%- if env_var('SMARTCART_DB_PATH', '') == '' and in_project == 0 -%}
            {{ exceptions.raise_compiler_error(
                "smartcart: run dbt from the project folder (the warehouse path " ~ target.path
                ~ " is relative to it), or use `make build`") }}
        {%- endif -%}
        {%- set loaded = adapter.get_relation(database=target.database, schema='raw', identifier='load_manifest') -%}
        {%- if loaded is none -%}
            {{ exceptions.raise_compiler_error(
                "smartcart: " ~ target.path ~ " holds no loaded export: run `make build` first"
                ~ " (or `make load` to run plain dbt commands on the build file)") }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
