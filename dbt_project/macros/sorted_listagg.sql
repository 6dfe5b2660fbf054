{#-
    The texts of a group joined with `delimiter`, in ascending order of the texts themselves, on
    every engine. dbt's own `listagg` drops its `order by` on Spark (dbt-spark warns and keeps
    collect_list's order, which depends on how the rows were shuffled), so a sentence made of
    several parts could read differently on the two engines. Texts compare by their bytes on both.
-#}
{% macro sorted_listagg(expression, delimiter) -%}
    {{ return(adapter.dispatch('sorted_listagg')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__sorted_listagg(expression, delimiter) -%}
    {{ dbt.listagg(expression, delimiter, 'order by ' ~ expression) }}
{%- endmacro %}

{% macro spark__sorted_listagg(expression, delimiter) -%}
    array_join(array_sort(collect_list({{ expression }})), {{ delimiter }})
{%- endmacro %}
