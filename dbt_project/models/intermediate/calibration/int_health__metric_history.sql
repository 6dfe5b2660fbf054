{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'score_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#-
    Every metric of every dimension, with its 0-100 metric score, per customer and score date,
    kept for every `backtest_step_days`-th day (counted from 1970-01-01, so the days kept do not
    depend on which run scored them): calibration fits each metric's shape from it, because the
    `int_<dimension>__scores` tables hold only the days of the last run. Point in time: each
    row is the dimension model's row of that day. Re-scoring a day replaces its rows.
-#}
{%- set dimension_metric_lists = dimension_metrics() -%}
{%- set dimensions = var('dimensions') -%}
{%- set day_number = dbt.datediff("cast('1970-01-01' as date)", 'score_date', 'day') -%}
with

{% for dimension in dimensions -%}
    {{ dimension }}_scores as (

        select * from {{ ref('int_' ~ dimension ~ '__scores') }}
        where mod({{ day_number }}, {{ var('backtest_step_days') }}) = 0

    ),

{% endfor -%}

final as (

    {% for dimension in dimensions -%}
        {% for metric in dimension_metric_lists[dimension] -%}
            select
                customer_id,
                score_date,
                '{{ dimension }}' as dimension,
                '{{ metric }}' as metric_name,
                cast({{ metric }} as double) as metric_value,
                cast({{ metric }}_score as double) as metric_score
            from {{ dimension }}_scores
            where {{ metric }} is not null
            {% if not (loop.last and dimension == dimensions[-1]) %}
                union all
            {% endif -%}
        {%- endfor %}
    {%- endfor %}

)

select * from final
