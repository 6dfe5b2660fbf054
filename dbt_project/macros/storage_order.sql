{#-
    Ends a model's query with the order its table is stored in, on DuckDB. Other engines write
    their own files and get no order by (a global sort on Spark is a shuffle for nothing).
    `columns`: SQL text.

    Used where it pays, measured model by model (100,000 customers x 92 days, a year's build
    under the default memory limit, DuckDB 2.0.1: each `create table as` and the checkpoint
    after it):
    - `int_customers__lifecycle`: 11.3 s sorted against 16.8 s without (not traced further;
      its query ends in windows).
    - `customer_health_daily`, the history mart: its table is what readers scan, stored by
      customer and day.
    The other daily models were sorted too until 2026-12-05, and are no longer: without the sort
    `int_health__scored` took 17.5-18.2 s against 24.4-24.7 s, `int_health__combined` 15.9
    against 19.8, `int_usage__scores` 43.6 against 47.8, and the checkpoint after each found
    nothing to rewrite (0.0-0.1 s). The models after them join them on customer and day, which
    their storage order does not speed up (`customer_health_daily` read from an unsorted `int_health__scored`
    in 16.2-16.5 s against 15.7-16.0 s). The score-dated build of those 92 days took 213.1 and
    214.6 s against 224.9 and 234.4 s with the sorts (docs/performance.md, "Storage sorts model
    by model").
-#}
{% macro storage_order(columns) -%}
    {{ return(adapter.dispatch('storage_order')(columns)) }}
{%- endmacro %}

{% macro default__storage_order(columns) -%}
{%- endmacro %}

{% macro duckdb__storage_order(columns) -%}
    order by {{ columns }}
{%- endmacro %}
