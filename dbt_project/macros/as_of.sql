{#- The day everything is computed for: from the `as_of_date` var, else from the data. -#}
{% macro as_of_date_literal() -%}
    {%- set value = var('as_of_date', '') -%}
    {%- if value -%} cast('{{ value }}' as date) {%- else -%} cast(null as date) {%- endif -%}
{%- endmacro %}
