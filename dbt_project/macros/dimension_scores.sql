{#-
    Turns the metrics CTE of a dimension model (one row per customer and score date, one column
    per metric, and `plan`) into 0-100 scores. Each metric is scored by the `method` of its row
    in the `metric_scoring` seed:
      - linear: between worst_value (0) and best_value (100), clamped outside;
      - bands: the band of the `metric_bands` seed with the highest lower bound at or below it;
      - plan_percentile: mid-rank percentile among the customers of the same plan that day
        (best_value above worst_value: higher is better).
    The dimension's score is the weighted mean of the metric scores present (a null metric drops
    out and the weights re-normalise). `weight_factors` maps a metric to a column of the metrics
    CTE that multiplies its weight (recency, for instance).
    Emits CTEs `metric_rules`, `metric_values`, `metric_bands_matched`, `metric_percentiles`,
    `metric_scores` and `dimension_scores` (customer_id, score_date, `<dimension>_score_raw` and
    one `<metric>_score` per metric).
-#}
{% macro dimension_scores(dimension, metric_names, metrics_cte='metrics', weight_factors={}) -%}

metric_rules as (

    select
        metric_name,
        method as scoring_method,
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
        plan,
        '{{ metric }}' as metric_name,
        cast({{ metric }} as double) as metric_value,
        cast({{ weight_factors.get(metric, '1.0') }} as double) as weight_factor
    from {{ metrics_cte }}
    where {{ metric }} is not null
    {% if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

metric_bands_matched as (

    {{ band_scores('metric_values', ref('metric_bands')) }}

),

metric_percentiles as (

    select
        metric_values.customer_id,
        metric_values.score_date,
        metric_values.metric_name,
        {{ midrank_percentile(
            'metric_values.metric_value',
            'metric_values.score_date, metric_values.metric_name, metric_values.plan',
            'metric_rules.best_value >= metric_rules.worst_value'
        ) }} as percentile_score

    from metric_values
    inner join metric_rules
        on metric_values.metric_name = metric_rules.metric_name
    where metric_rules.scoring_method = 'plan_percentile'

),

metric_scores as (

    select
        metric_values.customer_id,
        metric_values.score_date,
        metric_values.metric_name,
        metric_rules.metric_weight * metric_values.weight_factor as metric_weight,
        case metric_rules.scoring_method
            when 'linear'
                then {{ linear_score('metric_values.metric_value', 'metric_rules.worst_value', 'metric_rules.best_value') }}
            when 'bands' then metric_bands_matched.band_score
            when 'plan_percentile' then metric_percentiles.percentile_score
        end as metric_score

    from metric_values
    inner join metric_rules
        on metric_values.metric_name = metric_rules.metric_name
    left join metric_bands_matched
        on
            metric_values.customer_id = metric_bands_matched.customer_id
            and metric_values.score_date = metric_bands_matched.score_date
            and metric_values.metric_name = metric_bands_matched.metric_name
    left join metric_percentiles
        on
            metric_values.customer_id = metric_percentiles.customer_id
            and metric_values.score_date = metric_percentiles.score_date
            and metric_values.metric_name = metric_percentiles.metric_name

),

dimension_scores as (

    select
        customer_id,
        score_date,
        {{ clamp(weighted_mean('metric_score', 'metric_weight')) }} as {{ dimension }}_score_raw,
        {% for metric in metric_names -%}
        max(case when metric_name = '{{ metric }}' then metric_score end) as {{ metric }}_score
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from metric_scores
    group by customer_id, score_date

)

{%- endmacro %}

{#- The scored metrics of each dimension model, as in the `metric_scoring` seed (hard rules read them). -#}
{% macro dimension_metrics() -%}
    {{ return({
        'usage': ['active_days', 'active_user_pct', 'feature_breadth_pct', 'key_feature_depth', 'events_trend_pct'],
        'support': [
            'tickets_per_10_seats', 'urgent_high_pct', 'first_response_sla_pct', 'resolution_sla_pct',
            'reopen_pct', 'avg_ticket_csat'
        ],
        'satisfaction': ['latest_nps', 'csat_pct', 'micro_rating_pct', 'csm_pulse_pct'],
        'financial': ['overdue_to_mrr_ratio', 'max_days_past_due', 'failed_payments', 'late_paid_pct'],
        'relationship': ['tenure_days', 'renewals_completed', 'days_to_term_end', 'contraction_pct'],
        'engagement': ['engagement_net_points'],
    }) }}
{%- endmacro %}

{#-
    Every scored metric of the dimensions as one row each (customer_id, score_date, dimension,
    metric_name, metric_value and, with `with_score`, metric_score), from the CTEs
    `<dimension>_scores` the calling model defines: the unpivot the hard rules and the metric
    history both read.
-#}
{% macro metric_rows(with_score=false) -%}
    {%- set dimensions = var('dimensions') -%}
    {%- set dimension_metric_lists = dimension_metrics() -%}
    {% for dimension in dimensions -%}
        {% for metric in dimension_metric_lists[dimension] -%}
            select
                customer_id,
                score_date,
                '{{ dimension }}' as dimension,
                '{{ metric }}' as metric_name,
                cast({{ metric }} as double) as metric_value
                {%- if with_score %},
                cast({{ metric }}_score as double) as metric_score
                {%- endif %}
            from {{ dimension }}_scores
            where {{ metric }} is not null
            {% if not (loop.last and dimension == dimensions[-1]) %}
                union all
            {% endif -%}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}

{#- A value as text, for the driver sentences. -#}
{% macro as_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- A number rounded to a whole (stable_round), as text. -#}
{% macro whole_text(expression) -%}
    cast(cast({{ stable_round(expression, 0) }} as bigint) as {{ dbt.type_string() }})
{%- endmacro %}
