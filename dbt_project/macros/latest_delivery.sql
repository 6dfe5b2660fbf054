{#-
    Keeps the latest delivery of each key: a key delivered again in a later load replaces the
    earlier row; within one load the later row in the file wins. Portable (no qualify).
-#}
{% macro latest_delivery(relation, key) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by _load_id desc, _file_row_number desc
            ) as _delivery_rank
        from {{ relation }}
    ) as ranked
    where _delivery_rank = 1
{%- endmacro %}

{#-
    The latest delivery of each key, as CTEs ending in one named `name`, for an incremental model
    stored by day (`day_column`). A full build: every key. An incremental run: only the days the
    loads after the model's latest (`watermark_column` in the model) touch, in full: the days of
    the new rows and the days an earlier version of a redelivered key was on. The latest delivery
    is chosen among every version of every key with a version on those days, so a correction
    replaces the old row instead of adding to it. `deliveries` is a relation of every delivered
    row with `_load_id` and `_file_row_number`, read directly in each step (a CTE read several
    times would be materialised whole first). The model replaces those days (delete+insert by
    day; insert_overwrite of day partitions on Spark).

    `days` (a pair of ISO dates, first and last): those days instead, rebuilt from every
    delivery, whatever was loaded before; a first build or a full refresh, too large for one
    statement, in steps of days (orchestration/usage_facts.py). The latest delivery is chosen
    among every version of the keys with a version on those days, so a key whose latest
    version moved to another day is left to that day's step.
-#}
{% macro latest_delivery_of_changed_days(
    name, deliveries, key, day_column, watermark_column, days=none
) -%}
    {%- if days %}
        {{ name }}__candidates as (

            select deliveries.*

            from {{ deliveries }} as deliveries
            where deliveries.{{ key }} in (
                select in_days.{{ key }}
                from {{ deliveries }} as in_days
                where in_days.{{ day_column }} between cast('{{ days[0] }}' as date) and cast('{{ days[1] }}' as date)
            )

        ),
    {%- else %}
    {%- if is_incremental() %}
        {{ name }}__processed as (

            select coalesce(max({{ watermark_column }}), -1) as last_load_id
            from {{ this }}

        ),

        {{ name }}__new as (

            select
                deliveries.{{ key }},
                deliveries.{{ day_column }}

            from {{ deliveries }} as deliveries
            inner join {{ name }}__processed
                on deliveries._load_id > {{ name }}__processed.last_load_id

        ),

        {{ name }}__changed_days as (

            select {{ day_column }} from {{ name }}__new

            union

            select deliveries.{{ day_column }}

            from {{ deliveries }} as deliveries
            inner join {{ name }}__new
                on deliveries.{{ key }} = {{ name }}__new.{{ key }}

        ),

        {{ name }}__changed_keys as (

            select distinct deliveries.{{ key }}

            from {{ deliveries }} as deliveries
            inner join {{ name }}__changed_days
                on deliveries.{{ day_column }} = {{ name }}__changed_days.{{ day_column }}

        ),
    {%- endif %}

    {{ name }}__candidates as (

        select deliveries.*

        from {{ deliveries }} as deliveries
        {%- if is_incremental() %}
            inner join {{ name }}__changed_keys
                on deliveries.{{ key }} = {{ name }}__changed_keys.{{ key }}
        {%- endif %}

    ),
    {%- endif %}

    {{ name }}__latest as (

        {{ latest_delivery(name ~ '__candidates', key) }}

    ),

    {{ name }} as (

        select * from {{ name }}__latest
        {%- if days %}
            where {{ day_column }} between cast('{{ days[0] }}' as date) and cast('{{ days[1] }}' as date)
        {%- elif is_incremental() %}
            where {{ day_column }} in (select {{ name }}__changed_days.{{ day_column }} from {{ name }}__changed_days)
        {%- endif %}

    )
{%- endmacro %}


{#-
    Config of an incremental model stored by day: a run replaces the whole days it writes, by
    delete+insert of those days on DuckDB and insert_overwrite of their partitions on Spark. A
    row of a day written before that the run does not write again (a customer no longer in scope
    that day after a correction) is gone on both engines. Deleting by the day alone is also the
    cheap delete: a key of customer and day made DuckDB join the whole table to the new rows.
-#}
{% macro incremental_by_day_config(day_column) -%}
    {#- dbt-databricks builds on dbt-spark: the same strategy there. -#}
    {%- set on_spark = target.type in ['spark', 'databricks'] -%}
    {{ return({
        'materialized': 'incremental',
        'unique_key': day_column,
        'incremental_strategy': 'insert_overwrite' if on_spark else 'delete+insert',
        'partition_by': [day_column] if on_spark else none,
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}
