{#-
    The days to score. `as_of_date` is the last day scored (empty: the latest usage day in the
    data); `score_from_date` the first (empty: the same day, a one-day run). A range scores every
    day in it in one run: that is how history is backfilled.
    Each is a dbt var or, when the var is empty, the environment variable `CHS_AS_OF_DATE` /
    `CHS_SCORE_FROM_DATE`. Dagster uses the environment: a var that changes between runs makes dbt
    re-parse the whole project (about 10 s), a changed environment variable only the files that
    read it (this macro and `int_score_dates`).
-#}
{% macro date_var(name) -%}
    {{ return(var(name, '') or env_var('CHS_' ~ (name | upper), '')) }}
{%- endmacro %}

{% macro date_var_literal(name) -%}
    {%- set value = date_var(name) -%}
    {%- if value -%} cast('{{ value }}' as date) {%- else -%} cast(null as date) {%- endif -%}
{%- endmacro %}
