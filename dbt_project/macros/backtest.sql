{#-
    Area under the ROC curve in rank-sum (Mann-Whitney) form, over `relation` with columns
    `score` and `churned_within_horizon` (1/0), per group of `group_columns`: the probability that
    a customer who stayed scored higher than one who churned; ties count one half. Emits a
    select with the group columns, observations, churned and auc (null when a class is empty).
-#}
{% macro auc_rank_sum(relation, group_columns) -%}
    {%- set groups = group_columns | join(', ') -%}
    select
        {{ groups }},
        count(*) as observations,
        cast(sum(churned_within_horizon) as bigint) as churned,
        (
            sum(case when churned_within_horizon = 0 then average_rank else 0 end)
            - 0.5 * (count(*) - sum(churned_within_horizon)) * (count(*) - sum(churned_within_horizon) + 1)
        )
        / nullif(cast((count(*) - sum(churned_within_horizon)) as double) * sum(churned_within_horizon), 0)
            as auc

    from (
        select
            {{ groups }},
            churned_within_horizon,
            -- Ties share the mean of the ranks they span.
            rank() over (partition by {{ groups }} order by score)
            + (count(*) over (partition by {{ groups }}, score) - 1) / 2.0 as average_rank

        from {{ relation }}
    ) as ranked
    group by {{ groups }}
{%- endmacro %}
