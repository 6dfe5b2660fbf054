{{ config(**incremental_by_day_config('score_date')) }}
{#-
    Every metric of every dimension, with its 0-100 metric score, per customer and score date,
    kept for every `backtest_step_days`-th day (counted from 1970-01-01, so the days kept do not
    depend on which run scored them): calibration fits each metric's shape from it, because the
    `int_<dimension>__scores` tables hold only the days of the last run. Point in time: each
    row is the dimension model's row of that day. Re-scoring a day replaces its rows.
-#}
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

    {{ metric_rows(with_score=true) }}

)

select * from final
