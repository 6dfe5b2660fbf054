{#-
    A SQL expression that fails the query with `message` (a string expression) when a row
    reaches it: lets a data test say what is wrong (which plan, which day, which sum) instead of
    "Got 1 result".
-#}
{% macro raise_error(message) -%}
    {{ return(adapter.dispatch('raise_error')(message)) }}
{%- endmacro %}

{% macro default__raise_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}

{% macro duckdb__raise_error(message) -%}
    error({{ message }})
{%- endmacro %}
