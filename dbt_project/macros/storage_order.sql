{#-
    Ends a model's query with the order its table is stored in, on DuckDB. A `create table as`
    whose query ends in an order by is written as whole, compressed row groups while it runs;
    without one, the rows of a query that ends in joins or windows land in small pieces, which
    the next checkpoint (at the latest when dbt closes the database) reads back and rewrites.
    On the default sample that rewrite cost about 5 s per daily build, more than the sort, and
    at 100,000 customers it grows with the rows. Other engines write their own files and get
    no order by (a global sort on Spark is a shuffle for nothing). `columns`: SQL text.
-#}
{% macro storage_order(columns) -%}
    {{ return(adapter.dispatch('storage_order')(columns)) }}
{%- endmacro %}

{% macro default__storage_order(columns) -%}
{%- endmacro %}

{% macro duckdb__storage_order(columns) -%}
    order by {{ columns }}
{%- endmacro %}
