{#-
    on-run-start: makes the landing tables readable as dbt sources. On DuckDB ingestion writes
    them into the warehouse, so nothing to do. On Spark each source table is a table over the
    Parquet that `python -m orchestration.spark.landing` wrote, at
    `<CHS_SPARK_LANDING_DIR>/<schema>/<table>/` (default `<CHS_DATA_DIR>/spark/landing`; on a
    cluster, a shared path such as `s3a://...`). Re-created on every run, so a new export is read
    whole. Dropping such a table leaves its files alone.
-#}
{% macro create_landing_tables() -%}
    {{ return(adapter.dispatch('create_landing_tables', 'customer_health')()) }}
{%- endmacro %}

{% macro default__create_landing_tables() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__create_landing_tables() -%}
    {#- Only the commands that read sources: `dbt compile` or `dbt seed` needs no landing. -#}
    {%- if execute and flags.WHICH in ['build', 'run', 'test', 'retry'] -%}
        {%- set root = env_var('CHS_SPARK_LANDING_DIR', env_var('CHS_DATA_DIR', 'data') ~ '/spark/landing') -%}
        {%- for node in graph.sources.values() -%}
            {%- set location = root ~ '/' ~ node.schema ~ '/' ~ node.identifier -%}
            {%- do run_query('create database if not exists ' ~ node.schema) -%}
            {%- do run_query('drop table if exists ' ~ node.schema ~ '.' ~ node.identifier) -%}
            {%- do run_query(
                'create table ' ~ node.schema ~ '.' ~ node.identifier
                ~ " using parquet location '" ~ location ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
