{#-
    The days to score. `as_of_date` is the last day scored (empty: the latest usage day in the
    data); `score_from_date` the first (empty: the same day, a one-day run). A range scores every
    day in it in one run: that is how history is backfilled.
-#}
{% macro date_var_literal(name) -%}
    {%- set value = var(name, '') -%}
    {%- if value -%} cast('{{ value }}' as date) {%- else -%} cast(null as date) {%- endif -%}
{%- endmacro %}
