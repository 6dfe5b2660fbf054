{#-
    Turns the metrics CTE of a dimension model (one row per customer and score date, one column per metric)
    into 0-100 scores: each metric by its rule in the `metric_scoring` seed, the dimension by
    the weighted mean of the metrics present (a null metric drops out and the weights
    re-normalise). Emits CTEs `metric_values`, `metric_scores` and `dimension_scores`; the
    latter has `customer_id`, `score_date`, `<dimension>_score` and one `<metric>_score` per metric.
-#}
{% macro dimension_scores(dimension, metric_names, metrics_cte='metrics') -%}

metric_rules as (

    select
        metric_name,
        metric_weight,
        worst_value,
        best_value

    from {{ ref('metric_scoring') }}
    where dimension = '{{ dimension }}'

),

metric_values as (

    {% for metric in metric_names -%}
    select
        customer_id,
        score_date,
        '{{ metric }}' as metric_name,
        cast({{ metric }} as double) as metric_value
    from {{ metrics_cte }}
    {% if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

metric_scores as (

    select
        metric_values.customer_id,
        metric_values.score_date,
        metric_values.metric_name,
        metric_rules.metric_weight,
        {{ linear_score('metric_values.metric_value', 'metric_rules.worst_value', 'metric_rules.best_value') }}
            as metric_score

    from metric_values
    inner join metric_rules
        on metric_values.metric_name = metric_rules.metric_name
    where metric_values.metric_value is not null

),

dimension_scores as (

    select
        customer_id,
        score_date,
        {{ weighted_mean('metric_score', 'metric_weight') }} as {{ dimension }}_score,
        {% for metric in metric_names -%}
        max(case when metric_name = '{{ metric }}' then metric_score end) as {{ metric }}_score
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from metric_scores
    group by customer_id, score_date

)

{%- endmacro %}

{#- Weighted mean over the rows where the value is present; null when none is. -#}
{% macro weighted_mean(value, weight) -%}
    sum(case when {{ value }} is not null then {{ value }} * {{ weight }} end)
    / nullif(sum(case when {{ value }} is not null then {{ weight }} end), 0)
{%- endmacro %}
