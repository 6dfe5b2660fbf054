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
