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
    Wide: one row per customer and day throughout, each metric's score a column. The rules are
    read from the seeds when the model runs (pivoted to one row for the dimension), so a changed
    method, weight or bound needs no recompile; every metric therefore gets a band join, and the
    values of the metrics whose method is plan_percentile that run are ranked in one long table
    and pivoted back; each metric's method picks which applies. A customer-day with no metric
    that has a rule has no row, as in the long format this replaced.
    Emits CTEs `metric_rules`, `metric_bands_ranged`, `metric_values`,
    `metric_percentile_values`, `metric_percentile_windows`, `metric_ranks`, `metric_scores` and
    `dimension_scores` (customer_id, score_date, `<dimension>_score_raw` and one
    `<metric>_score` per metric).
-#}
{% macro dimension_scores(dimension, metric_names, metrics_cte='metrics', weight_factors={}) -%}

metric_rules as (

    select
        {% for metric in metric_names -%}
            max(case when metric_name = '{{ metric }}' then method end) as rule_{{ metric }}_method,
            max(case when metric_name = '{{ metric }}' then metric_weight end) as rule_{{ metric }}_weight,
            max(case when metric_name = '{{ metric }}' then worst_value end) as rule_{{ metric }}_worst_value,
            max(case when metric_name = '{{ metric }}' then best_value end) as rule_{{ metric }}_best_value
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('metric_scoring') }}
    where dimension = '{{ dimension }}'

),

metric_bands_ranged as (

    {{ band_ranges(ref('metric_bands')) }}

),

metric_values as (

    select
        {{ metrics_cte }}.customer_id,
        {{ metrics_cte }}.score_date,
        {{ metrics_cte }}.plan,
        {% for metric in metric_names -%}
            cast({{ metrics_cte }}.{{ metric }} as double) as {{ metric }}_value
            {%- if metric in weight_factors %},
                cast({{ weight_factors[metric] }} as double) as {{ metric }}_weight_factor
            {%- endif %}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ metrics_cte }}
    cross join metric_rules
    where
        {% for metric in metric_names -%}
            ({{ metrics_cte }}.{{ metric }} is not null and metric_rules.rule_{{ metric }}_method is not null)
            {%- if not loop.last %} or{% endif %}
        {% endfor %}

),

-- The percentile windows, on the values of the metrics whose method is plan_percentile only:
-- one long table of them (none when no rule asks for a percentile), one sort, pivoted back.
-- A window per metric over every row cost a sort each, whatever the method (24 sorts for one
-- percentile metric on the default seeds: about a sixth of the dimension models' time).
metric_percentile_values as (

    {% for metric in metric_names -%}
        select
            metric_values.customer_id,
            metric_values.score_date,
            metric_values.plan,
            '{{ metric }}' as metric_name,
            metric_values.{{ metric }}_value as metric_value
        from metric_values
        cross join metric_rules
        where
            metric_rules.rule_{{ metric }}_method = 'plan_percentile'
            and metric_values.{{ metric }}_value is not null
        {% if not loop.last %}
            union all
        {% endif -%}
    {% endfor %}

),

metric_percentile_windows as (

    select
        customer_id,
        score_date,
        metric_name,
        {{ midrank_windows('metric_value', 'metric_name, score_date, plan', 'metric') }}
    from metric_percentile_values

),

metric_ranks as (

    select
        customer_id,
        score_date,
        {% for metric in metric_names -%}
            {% for column in ['rows_in_partition', 'rows_up_to_ties', 'rank'] -%}
                max(case when metric_name = '{{ metric }}' then metric_{{ column }} end)
                    as {{ metric }}_{{ column }}
                {%- if not (loop.last and metric == metric_names[-1]) %},{% endif %}
            {% endfor -%}
        {% endfor %}
    from metric_percentile_windows
    group by customer_id, score_date

),

metric_scores as (

    select
        metric_values.customer_id,
        metric_values.score_date,
        {% for metric in metric_names -%}
            metric_rules.rule_{{ metric }}_weight * {{
                'metric_values.' ~ metric ~ '_weight_factor' if metric in weight_factors else 'cast(1.0 as double)'
            }} as {{ metric }}_weight,
            -- A missing metric has no score (clamp's least / greatest would make 0 of null).
            case when metric_values.{{ metric }}_value is not null then case metric_rules.rule_{{ metric }}_method
                when 'linear'
                    then {{ linear_score(
                        'metric_values.' ~ metric ~ '_value',
                        'metric_rules.rule_' ~ metric ~ '_worst_value',
                        'metric_rules.rule_' ~ metric ~ '_best_value',
                    ) }}
                when 'bands' then {{ metric }}_band.band_score
                when 'plan_percentile' then {{ midrank_percentile(
                    'metric_ranks.' ~ metric,
                    'metric_rules.rule_' ~ metric ~ '_best_value >= metric_rules.rule_' ~ metric ~ '_worst_value',
                ) }}
            end end as {{ metric }}_score
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from metric_values
    cross join metric_rules
    left join metric_ranks
        on
            metric_values.customer_id = metric_ranks.customer_id
            and metric_values.score_date = metric_ranks.score_date
    {% for metric in metric_names -%}
        left join metric_bands_ranged as {{ metric }}_band
            on
                {{ metric }}_band.metric_name = '{{ metric }}'
                and metric_values.{{ metric }}_value >= {{ metric }}_band.lower_bound
                and (
                    metric_values.{{ metric }}_value < {{ metric }}_band.upper_bound
                    or {{ metric }}_band.upper_bound is null
                )
    {% endfor %}

),

dimension_scores as (

    select
        customer_id,
        score_date,
        {%- set pairs = [] -%}
        {%- for metric in metric_names -%}
            {%- do pairs.append([metric ~ '_score', metric ~ '_weight']) -%}
        {%- endfor %}
        {{ clamp(row_weighted_mean(pairs)) }} as {{ dimension }}_score_raw,
        {% for metric in metric_names -%}
            {{ metric }}_score
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from metric_scores

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
    `<dimension>_scores` the calling model defines: the unpivot the metric history keeps.
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

{#-
    A number rounded to a whole as stable_round would round it, as text: first to
    rescaled_sum_decimals(), then to a whole. A half of a whole is exact in binary, so the second
    rounding needs no decimal (both engines round a double's exact half away from zero), and a
    decimal(38) per number cost a sixth of a dimension model's time at 100,000 customers.
-#}
{% macro whole_text(expression) -%}
    cast(cast(round(round({{ expression }}, {{ rescaled_sum_decimals() }}), 0) as bigint) as {{ dbt.type_string() }})
{%- endmacro %}
