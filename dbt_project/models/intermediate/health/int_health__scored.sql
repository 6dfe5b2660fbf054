{#-
    The health score of every customer in scope on every score date, before segment
    stabilisation.
    - Weights: the plan's set from `health_weights` in force that day (latest valid_from on or
      before it); `default` for plans without their own; `onboarding` for onboarding customers.
    - Overrides (`score_overrides` seed) in force that day (valid_from to valid_until, inclusive)
      replace a dimension's sub-score, or the overall score; an expired one stops by itself.
    - Missing is not zero: a dimension without (fresh) data is null and the weights re-normalise
      over those present. A customer is insufficient_data (grey, no score) only when no dimension
      that carries weight has data (or under the optional `min_data_completeness_pct` floor);
      `score_confidence` says how much of the weight the score rests on (high / medium / low by
      `score_confidence_high_min_pct` and `score_confidence_medium_min_pct`).
    - Churn risk: `churn_risk_90d` is the `churn_risk` of the band of `churn_risk_bands` in force
      that day (latest valid_from on or before it) with the highest min_score at or below the score.
    - Segments by `segment_thresholds`; a band that `requires_advocacy` (promoter) needs a
      promoter NPS answer in the satisfaction window, a testimonial or positive spontaneous
      feedback. A cancellation requested (churning) or a `hard_rules` rule forces the segment.
    - Explanation: primary_driver (the dimension costing the most points: weight share times
      the gap to 100) with its sentence, each dimension's points (they add up to the score unless
      an overall override is in force), rank and percentile overall and within the plan.
-#}
{{ assert_churn_risk_horizon(90) }}
{%- set dimension_metric_lists = dimension_metrics() -%}
{%- set dimensions = ['usage', 'support', 'satisfaction', 'financial', 'relationship', 'engagement'] -%}
with

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

health_weights as (

    select * from {{ ref('health_weights') }}

),

segment_thresholds as (

    select * from {{ ref('segment_thresholds') }}

),

score_overrides as (

    select * from {{ ref('score_overrides') }}

),

hard_rules as (

    select * from {{ ref('hard_rules') }}

),

churn_risk_bands as (

    select * from {{ ref('churn_risk_bands') }}

),

settings as (

    {{ settings_row([
        'min_data_completeness_pct',
        'score_confidence_high_min_pct',
        'score_confidence_medium_min_pct',
    ]) }}

),

{% for dimension in dimensions -%}
    {{ dimension }}_scores as (

        select * from {{ ref('int_' ~ dimension ~ '__scores') }}

    ),

{% endfor -%}

in_scope as (

    select
        *,
        case when is_onboarding then 'onboarding' else plan end as weight_plan

    from lifecycle
    where lifecycle_status in ('active', 'churning')

),

score_dates as (

    select distinct score_date from in_scope

),

weight_versions as (

    -- The weights in force on each score date: the latest valid_from on or before it.
    select
        score_dates.score_date,
        health_weights.plan,
        health_weights.dimension,
        health_weights.weight,
        row_number() over (
            partition by score_dates.score_date, health_weights.plan, health_weights.dimension
            order by health_weights.valid_from desc
        ) as version_rank

    from health_weights
    inner join score_dates
        on health_weights.valid_from <= score_dates.score_date

),

weights_in_force as (

    select * from weight_versions
    where version_rank = 1

),

plans_with_weights as (

    select distinct
        score_date,
        plan

    from weights_in_force

),

overrides_ranked as (

    select
        in_scope.customer_id,
        in_scope.score_date,
        score_overrides.dimension,
        score_overrides.override_score,
        score_overrides.reason,
        score_overrides.set_by,
        score_overrides.valid_until,
        row_number() over (
            partition by in_scope.customer_id, in_scope.score_date, score_overrides.dimension
            order by score_overrides.valid_from desc
        ) as override_rank

    from in_scope
    inner join score_overrides
        on
            in_scope.customer_id = score_overrides.customer_id
            and in_scope.score_date >= score_overrides.valid_from
            and (score_overrides.valid_until is null or in_scope.score_date <= score_overrides.valid_until)

),

overrides_in_force as (

    select * from overrides_ranked
    where override_rank = 1

),

override_summary as (

    select
        customer_id,
        score_date,
        max(case when dimension = 'overall' then override_score end) as overall_override_score,
        {{ dbt.listagg(
            "dimension || ' = ' || " ~ whole_text('override_score') ~ " || ' until ' || "
            ~ "coalesce(" ~ as_text('valid_until') ~ ", 'further notice') || ' by ' || coalesce(set_by, '?')"
            ~ " || ': ' || coalesce(reason, '')",
            "'; '",
            "order by dimension"
        ) }} as override_detail

    from overrides_in_force
    group by customer_id, score_date

),

dimension_scores as (

    {% for dimension in dimensions -%}
        select
            in_scope.customer_id,
            in_scope.score_date,
            in_scope.weight_plan,
            '{{ dimension }}' as dimension,
            {{ dimension }}_scores.{{ dimension }}_score as computed_score,
            overrides_in_force.override_score,
            coalesce(overrides_in_force.override_score, {{ dimension }}_scores.{{ dimension }}_score)
                as dimension_score,
            {{ dimension }}_scores.{{ dimension }}_detail as dimension_detail
        from in_scope
        left join {{ dimension }}_scores
            on
                in_scope.customer_id = {{ dimension }}_scores.customer_id
                and in_scope.score_date = {{ dimension }}_scores.score_date
        left join overrides_in_force
            on
                in_scope.customer_id = overrides_in_force.customer_id
                and in_scope.score_date = overrides_in_force.score_date
                and overrides_in_force.dimension = '{{ dimension }}'
        {% if not loop.last %}
            union all
        {% endif -%}
    {%- endfor %}

),

weighted as (

    select
        dimension_scores.customer_id,
        dimension_scores.score_date,
        dimension_scores.dimension,
        dimension_scores.dimension_score,
        dimension_scores.computed_score,
        dimension_scores.override_score,
        dimension_scores.dimension_detail,
        weights_in_force.plan as weight_set,
        weights_in_force.weight,
        sum(case when dimension_scores.dimension_score is not null then weights_in_force.weight end)
            over (partition by dimension_scores.customer_id, dimension_scores.score_date)
            as weight_present

    from dimension_scores
    left join plans_with_weights
        on
            dimension_scores.weight_plan = plans_with_weights.plan
            and dimension_scores.score_date = plans_with_weights.score_date
    inner join weights_in_force
        on
            coalesce(plans_with_weights.plan, 'default') = weights_in_force.plan
            and dimension_scores.dimension = weights_in_force.dimension
            and dimension_scores.score_date = weights_in_force.score_date

),

contributions as (

    select
        *,
        -- Points this dimension adds to the overall score, and points it costs (gap to 100).
        weight * dimension_score / nullif(weight_present, 0) as points_contributed,
        weight * (100 - dimension_score) / nullif(weight_present, 0) as points_lost,
        row_number() over (
            partition by customer_id, score_date
            order by
                case when dimension_score is null then 1 else 0 end,
                weight * (100 - dimension_score) desc,
                dimension
        ) as driver_rank

    from weighted

),

combined as (

    select
        customer_id,
        score_date,
        max(weight_set) as weight_set,
        -- Null, not clamped to 0, when no dimension that carries weight has data.
        case
            when sum(case when dimension_score is not null then weight end) > 0
                then {{ clamp(weighted_mean('dimension_score', 'weight')) }}
        end as computed_health_score,
        100.0 * {{ ratio('sum(case when dimension_score is not null then weight else 0 end)', 'sum(weight)') }}
            as data_completeness_pct,
        count(dimension_score) as dimensions_scored,
        max(case when driver_rank = 1 and points_lost > 0 then dimension end) as primary_driver,
        max(case when driver_rank = 1 and points_lost > 0 then dimension_detail end) as driver_detail,
        {% for dimension in dimensions -%}
            max(case when dimension = '{{ dimension }}' then dimension_score end) as {{ dimension }}_score,
            max(case when dimension = '{{ dimension }}' then weight end) as {{ dimension }}_weight,
            max(case when dimension = '{{ dimension }}' then points_contributed end) as {{ dimension }}_points
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from contributions
    group by customer_id, score_date

),

scored as (

    select
        combined.*,
        override_summary.overall_override_score,
        override_summary.override_detail,
        coalesce(override_summary.overall_override_score, combined.computed_health_score) as health_score,
        -- Grey only when nothing that carries weight has data (or under the optional floor).
        coalesce(
            override_summary.overall_override_score is not null
            or (
                combined.data_completeness_pct > 0
                and combined.data_completeness_pct >= settings.min_data_completeness_pct
                and combined.computed_health_score is not null
            ),
            false
        ) as is_scored,
        settings.score_confidence_high_min_pct,
        settings.score_confidence_medium_min_pct

    from combined
    cross join settings
    left join override_summary
        on
            combined.customer_id = override_summary.customer_id
            and combined.score_date = override_summary.score_date

),

metric_facts as (

    -- Every scored metric of the dimensions, one row each, for the hard rules.
    {% for dimension in dimensions -%}
        {% for metric in dimension_metric_lists[dimension] -%}
            select
                customer_id,
                score_date,
                '{{ dimension }}' as dimension,
                '{{ metric }}' as metric_name,
                cast({{ metric }} as double) as metric_value
            from {{ dimension }}_scores
            where {{ metric }} is not null
            {% if not (loop.last and dimension == dimensions[-1]) %}
                union all
            {% endif -%}
        {%- endfor %}
    {%- endfor %}

),

rules_hit as (

    select
        metric_facts.customer_id,
        metric_facts.score_date,
        hard_rules.rule_name,
        hard_rules.forced_segment,
        hard_rules.reason

    from metric_facts
    inner join hard_rules
        on
            metric_facts.dimension = hard_rules.dimension
            and metric_facts.metric_name = hard_rules.metric_name
    where
        case hard_rules.operator
            when '>=' then metric_facts.metric_value >= hard_rules.threshold
            when '>' then metric_facts.metric_value > hard_rules.threshold
            when '<=' then metric_facts.metric_value <= hard_rules.threshold
            when '<' then metric_facts.metric_value < hard_rules.threshold
            when '=' then metric_facts.metric_value = hard_rules.threshold
            else false
        end

),

threshold_versions as (

    select
        score_dates.score_date,
        segment_thresholds.segment,
        segment_thresholds.min_score,
        segment_thresholds.health_color,
        segment_thresholds.segment_order,
        coalesce(segment_thresholds.requires_advocacy, false) as requires_advocacy,
        dense_rank() over (
            partition by score_dates.score_date order by segment_thresholds.valid_from desc
        ) as version_rank

    from segment_thresholds
    inner join score_dates
        on segment_thresholds.valid_from <= score_dates.score_date

),

thresholds_in_force as (

    select * from threshold_versions
    where version_rank = 1

),

forced as (

    -- The worst segment any hard rule forces, and its reason.
    select
        rules_hit.customer_id,
        rules_hit.score_date,
        rules_hit.forced_segment,
        rules_hit.reason as forced_reason,
        thresholds_in_force.segment_order as forced_segment_order,
        row_number() over (
            partition by rules_hit.customer_id, rules_hit.score_date
            order by thresholds_in_force.segment_order, rules_hit.rule_name
        ) as severity_rank

    from rules_hit
    inner join thresholds_in_force
        on
            rules_hit.score_date = thresholds_in_force.score_date
            and rules_hit.forced_segment = thresholds_in_force.segment

),

churn_risk_versions as (

    select
        score_dates.score_date,
        churn_risk_bands.min_score,
        churn_risk_bands.churn_risk,
        dense_rank() over (
            partition by score_dates.score_date order by churn_risk_bands.valid_from desc
        ) as version_rank

    from churn_risk_bands
    inner join score_dates
        on churn_risk_bands.valid_from <= score_dates.score_date

),

churn_risk_banded as (

    -- The band of the versions in force with the highest min_score at or below the score.
    select
        scored.customer_id,
        scored.score_date,
        churn_risk_versions.churn_risk,
        row_number() over (
            partition by scored.customer_id, scored.score_date
            order by churn_risk_versions.min_score desc
        ) as band_rank

    from scored
    inner join churn_risk_versions
        on
            scored.score_date = churn_risk_versions.score_date
            and churn_risk_versions.version_rank = 1
            and scored.health_score >= churn_risk_versions.min_score
    where scored.is_scored

),

advocacy as (

    select
        in_scope.customer_id,
        in_scope.score_date,
        coalesce(satisfaction_scores.nps_category = 'promoter', false)
        or coalesce(engagement_scores.has_advocacy, false) as has_advocacy

    from in_scope
    left join satisfaction_scores
        on
            in_scope.customer_id = satisfaction_scores.customer_id
            and in_scope.score_date = satisfaction_scores.score_date
    left join engagement_scores
        on
            in_scope.customer_id = engagement_scores.customer_id
            and in_scope.score_date = engagement_scores.score_date

),

eligible_bands as (

    -- The bands open to each customer (promoter needs advocacy) with the next band's floor.
    select
        advocacy.customer_id,
        advocacy.score_date,
        thresholds_in_force.segment,
        thresholds_in_force.min_score,
        thresholds_in_force.segment_order,
        lead(thresholds_in_force.min_score) over (
            partition by advocacy.customer_id, advocacy.score_date
            order by thresholds_in_force.min_score
        ) as next_min_score

    from advocacy
    inner join thresholds_in_force
        on
            advocacy.score_date = thresholds_in_force.score_date
            and (advocacy.has_advocacy or not thresholds_in_force.requires_advocacy)

),

banded as (

    select
        eligible_bands.*,
        row_number() over (
            partition by eligible_bands.customer_id, eligible_bands.score_date
            order by eligible_bands.min_score desc
        ) as band_rank

    from eligible_bands
    inner join scored
        on
            eligible_bands.customer_id = scored.customer_id
            and eligible_bands.score_date = scored.score_date
            and eligible_bands.min_score <= scored.health_score

),

segmented as (

    select
        scored.customer_id,
        scored.score_date,
        case
            when not scored.is_scored then 'insufficient_data'
            -- A cancellation already requested is at risk whatever the other signals say.
            when in_scope.lifecycle_status = 'churning' then 'at_risk'
            when forced.forced_segment_order < banded.segment_order then forced.forced_segment
            else banded.segment
        end as score_segment,
        case
            when not scored.is_scored then false
            when in_scope.lifecycle_status = 'churning' then true
            else coalesce(forced.forced_segment_order <= banded.segment_order, false)
        end as is_segment_forced,
        case
            when not scored.is_scored then null
            when in_scope.lifecycle_status = 'churning' then 'Cancellation requested'
            when forced.forced_segment_order <= banded.segment_order then forced.forced_reason
        end as segment_forced_reason

    from scored
    inner join in_scope
        on
            scored.customer_id = in_scope.customer_id
            and scored.score_date = in_scope.score_date
    left join banded
        on
            scored.customer_id = banded.customer_id
            and scored.score_date = banded.score_date
            and banded.band_rank = 1
    left join forced
        on
            scored.customer_id = forced.customer_id
            and scored.score_date = forced.score_date
            and forced.severity_rank = 1

),

ranked as (

    select
        customer_id,
        score_date,
        rank() over (partition by score_date order by health_score desc) as health_rank,
        100.0 * percent_rank() over (partition by score_date order by health_score) as health_percentile,
        rank() over (partition by score_date, plan order by health_score desc) as plan_rank,
        100.0 * percent_rank() over (partition by score_date, plan order by health_score) as plan_percentile

    from (
        select
            scored.customer_id,
            scored.score_date,
            scored.health_score,
            in_scope.plan

        from scored
        inner join in_scope
            on
                scored.customer_id = in_scope.customer_id
                and scored.score_date = in_scope.score_date
        where scored.is_scored
    ) as scored_only

),

final as (

    select
        ---------- ids
        scored.customer_id,
        scored.score_date,

        ---------- attributes
        in_scope.customer_name,
        in_scope.plan,
        in_scope.csm_owner,
        in_scope.lifecycle_status,
        in_scope.is_onboarding,
        scored.weight_set,
        scored.primary_driver,
        scored.driver_detail,
        segmented.score_segment,
        segmented.is_segment_forced,
        segmented.segment_forced_reason,
        advocacy.has_advocacy,
        relationship_scores.expansion_status,
        coalesce(support_scores.is_support_silence, false) as is_support_silence,
        scored.is_scored,
        -- Rounded first: weights summing to 0.5 in floating point must not fall under 50%.
        case
            when not scored.is_scored then null
            when round(scored.data_completeness_pct, 6) >= scored.score_confidence_high_min_pct then 'high'
            when round(scored.data_completeness_pct, 6) >= scored.score_confidence_medium_min_pct then 'medium'
            else 'low'
        end as score_confidence,
        scored.override_detail is not null as has_override,
        scored.override_detail,

        -- The band of score_segment, for segment stabilisation (hysteresis) in the history.
        segment_band.min_score as band_min_score,
        segment_band.next_min_score as band_max_score,

        ---------- scores
        scored.health_score,
        scored.computed_health_score,
        {% for dimension in dimensions -%}
            scored.{{ dimension }}_score,
        {% endfor -%}
        scored.data_completeness_pct,
        scored.dimensions_scored,
        churn_risk_banded.churn_risk as churn_risk_90d,
        ranked.health_rank,
        ranked.health_percentile,
        ranked.plan_rank,
        ranked.plan_percentile,

        ---------- weights and contributions
        {% for dimension in dimensions -%}
            scored.{{ dimension }}_weight,
            scored.{{ dimension }}_points,
        {% endfor -%}

        ---------- explanation per dimension
        {% for dimension in dimensions -%}
            {{ dimension }}_scores.{{ dimension }}_detail,
        {% endfor -%}

        ---------- numerics
        in_scope.mrr,
        in_scope.currency,
        in_scope.mrr_reporting,
        in_scope.is_fx_rate_missing

    from scored
    inner join in_scope
        on
            scored.customer_id = in_scope.customer_id
            and scored.score_date = in_scope.score_date
    inner join segmented
        on
            scored.customer_id = segmented.customer_id
            and scored.score_date = segmented.score_date
    inner join advocacy
        on
            scored.customer_id = advocacy.customer_id
            and scored.score_date = advocacy.score_date
    left join eligible_bands as segment_band
        on
            scored.customer_id = segment_band.customer_id
            and scored.score_date = segment_band.score_date
            and segmented.score_segment = segment_band.segment
    left join ranked
        on
            scored.customer_id = ranked.customer_id
            and scored.score_date = ranked.score_date
    left join churn_risk_banded
        on
            scored.customer_id = churn_risk_banded.customer_id
            and scored.score_date = churn_risk_banded.score_date
            and churn_risk_banded.band_rank = 1
    {% for dimension in dimensions -%}
        left join {{ dimension }}_scores
            on
                scored.customer_id = {{ dimension }}_scores.customer_id
                and scored.score_date = {{ dimension }}_scores.score_date
    {% endfor %}

)

select * from final
