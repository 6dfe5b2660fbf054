{#-
    The rows of a versioned seed in force on each day: for each day of `days` (a relation or CTE
    with `day_column`) and each key (`partition_by`, expressions over the alias `versions`), the
    rows with the latest `valid_from` on or before the day. With no key, the whole version in
    force (every row of the latest valid_from). `join_on` columns must match between the seed and
    `days` (e.g. customer_id); `condition` is an extra filter applied before the latest version is
    chosen (e.g. an expiry). Returns the day, every seed column and `in_force_valid_from`.
-#}
{% macro in_force(versions, days, partition_by=[], day_column='score_date', join_on=[], condition=none) -%}
    select *
    from (
        select
            days.{{ day_column }},
            versions.*,
            max(versions.valid_from) over (
                partition by days.{{ day_column }}
                {%- for expression in partition_by %}, {{ expression }}{% endfor %}
                {%- for column in join_on %}, versions.{{ column }}{% endfor %}
            ) as in_force_valid_from
        from {{ versions }} as versions
        inner join {{ days }} as days
            on
                versions.valid_from <= days.{{ day_column }}
                {%- for column in join_on %}
                    and versions.{{ column }} = days.{{ column }}
                {%- endfor %}
                {%- if condition %}
                    and ({{ condition }})
                {%- endif %}
    ) as versions_on_day
    where valid_from = in_force_valid_from
{%- endmacro %}
