-- Combination: weights in force per plan and day, overrides, re-normalised weighted mean, driver.
create or replace temp table weights_in_force as
select score_dates.score_date, weights.plan as weight_set, weights.dimension, weights.weight
from seed_health_weights as weights
inner join score_dates on weights.valid_from <= score_dates.score_date
qualify weights.valid_from = max(weights.valid_from) over (
    partition by score_dates.score_date, weights.plan, weights.dimension
);

create or replace temp table overrides_in_force as
select score_dates.score_date, overrides.*
from seed_score_overrides as overrides
inner join score_dates
    on
        overrides.valid_from <= score_dates.score_date
        and (overrides.valid_until is null or score_dates.score_date <= overrides.valid_until)
qualify overrides.valid_from = max(overrides.valid_from) over (
    partition by score_dates.score_date, overrides.customer_id, overrides.dimension
);

create or replace temp table combined as
with in_scope as (
    select customer_id, score_date, case when is_onboarding then 'onboarding' else plan end as weight_plan
    from lifecycle
    where lifecycle_status in ('active', 'churning')
),

plans_with_weights as (
    select distinct score_date, weight_set from weights_in_force
),

override_summary as (
    select
        customer_id,
        score_date,
        max(case when dimension = 'overall' then override_score end) as overall_override_score,
        string_agg(
            dimension || ' = ' || whole_text(override_score) || ' until '
            || coalesce(cast(valid_until as varchar), 'further notice') || ' by ' || coalesce(set_by, '?')
            || ': ' || coalesce(reason, ''),
            '; ' order by dimension
        ) as override_detail
    from overrides_in_force
    group by all
),

dimension_values as (
    select customer_id, score_date, 'usage' as dimension, usage_score as dimension_score, usage_detail as dimension_detail
    from usage_scores
    union all
    select customer_id, score_date, 'support', support_score, support_detail from support_scores
    union all
    select customer_id, score_date, 'satisfaction', satisfaction_score, satisfaction_detail from satisfaction_scores
    union all
    select customer_id, score_date, 'financial', financial_score, financial_detail from financial_scores
    union all
    select customer_id, score_date, 'relationship', relationship_score, relationship_detail from relationship_scores
    union all
    select customer_id, score_date, 'engagement', engagement_score, engagement_detail from engagement_scores
),

dimension_scores as (
    select
        in_scope.customer_id,
        in_scope.score_date,
        in_scope.weight_plan,
        dimensions.dimension,
        coalesce(overrides.override_score, dimension_values.dimension_score) as dimension_score,
        dimension_values.dimension_detail
    from in_scope
    cross join (select unnest(${dimensions}) as dimension) as dimensions
    left join dimension_values
        on
            in_scope.customer_id = dimension_values.customer_id
            and in_scope.score_date = dimension_values.score_date
            and dimensions.dimension = dimension_values.dimension
    left join overrides_in_force as overrides
        on
            in_scope.customer_id = overrides.customer_id
            and in_scope.score_date = overrides.score_date
            and overrides.dimension = dimensions.dimension
),

weighted as (
    select
        dimension_scores.customer_id,
        dimension_scores.score_date,
        dimension_scores.dimension,
        dimension_scores.dimension_score,
        dimension_scores.dimension_detail,
        weights.weight_set,
        weights.weight,
        fsum(case when dimension_scores.dimension_score is not null then weights.weight end)
            over (partition by dimension_scores.customer_id, dimension_scores.score_date) as weight_present
    from dimension_scores
    left join plans_with_weights
        on dimension_scores.weight_plan = plans_with_weights.weight_set and dimension_scores.score_date = plans_with_weights.score_date
    inner join weights_in_force as weights
        on
            coalesce(plans_with_weights.weight_set, 'default') = weights.weight_set
            and dimension_scores.dimension = weights.dimension
            and dimension_scores.score_date = weights.score_date
),

contributions as (
    select
        *,
        weight * dimension_score / nullif(weight_present, 0) as points_contributed,
        weight * (100 - dimension_score) / nullif(weight_present, 0) as points_lost,
        row_number() over (
            partition by customer_id, score_date
            order by case when dimension_score is null then 1 else 0 end, weight * (100 - dimension_score) desc, dimension
        ) as driver_rank
    from weighted
),

aggregated as (
    select
        customer_id,
        score_date,
        max(weight_set) as weight_set,
        case
            when fsum(case when dimension_score is not null then weight end) > 0
                then least(greatest(
                    fsum(case when dimension_score is not null then dimension_score * weight end)
                    / nullif(fsum(case when dimension_score is not null then weight end), 0),
                    0), 100)
        end as computed_health_score,
        100.0 * cast(fsum(case when dimension_score is not null then weight else 0 end) as double)
        / nullif(cast(fsum(weight) as double), 0) as data_completeness_pct,
        count(dimension_score) as dimensions_scored,
        max(case when driver_rank = 1 and points_lost > 0 then dimension end) as primary_driver,
        max(case when driver_rank = 1 and points_lost > 0 then dimension_detail end) as driver_detail,
        max(case when dimension = 'usage' then dimension_score end) as usage_score,
        max(case when dimension = 'usage' then weight end) as usage_weight,
        max(case when dimension = 'usage' then points_contributed end) as usage_points,
        max(case when dimension = 'support' then dimension_score end) as support_score,
        max(case when dimension = 'support' then weight end) as support_weight,
        max(case when dimension = 'support' then points_contributed end) as support_points,
        max(case when dimension = 'satisfaction' then dimension_score end) as satisfaction_score,
        max(case when dimension = 'satisfaction' then weight end) as satisfaction_weight,
        max(case when dimension = 'satisfaction' then points_contributed end) as satisfaction_points,
        max(case when dimension = 'financial' then dimension_score end) as financial_score,
        max(case when dimension = 'financial' then weight end) as financial_weight,
        max(case when dimension = 'financial' then points_contributed end) as financial_points,
        max(case when dimension = 'relationship' then dimension_score end) as relationship_score,
        max(case when dimension = 'relationship' then weight end) as relationship_weight,
        max(case when dimension = 'relationship' then points_contributed end) as relationship_points,
        max(case when dimension = 'engagement' then dimension_score end) as engagement_score,
        max(case when dimension = 'engagement' then weight end) as engagement_weight,
        max(case when dimension = 'engagement' then points_contributed end) as engagement_points
    from contributions
    group by all
)

select
    aggregated.*,
    override_summary.override_detail,
    override_summary.override_detail is not null as has_override,
    coalesce(override_summary.overall_override_score, aggregated.computed_health_score) as health_score,
    coalesce(
        override_summary.overall_override_score is not null
        or (
            aggregated.data_completeness_pct > 0
            and aggregated.data_completeness_pct >= settings.min_data_completeness_pct
            and aggregated.computed_health_score is not null
        ),
        false
    ) as is_scored,
    settings.score_confidence_high_min_pct,
    settings.score_confidence_medium_min_pct
from aggregated
cross join settings
left join override_summary
    on aggregated.customer_id = override_summary.customer_id and aggregated.score_date = override_summary.score_date;

-- Segments: thresholds and churn-risk bands in force, advocacy, hard rules, churning.
create or replace temp table segmented as
with thresholds_in_force as (
    select score_dates.score_date, thresholds.*
    from seed_segment_thresholds as thresholds
    inner join score_dates on thresholds.valid_from <= score_dates.score_date
    qualify thresholds.valid_from = max(thresholds.valid_from) over (partition by score_dates.score_date)
),

churn_risk_bands_in_force as (
    select score_dates.score_date, bands.*
    from seed_churn_risk_bands as bands
    inner join score_dates on bands.valid_from <= score_dates.score_date
    qualify bands.valid_from = max(bands.valid_from) over (partition by score_dates.score_date)
),

rules_hit as (
    select
        metric_values.customer_id,
        metric_values.score_date,
        hard_rules.rule_name,
        hard_rules.forced_segment,
        hard_rules.reason
    from metric_values
    inner join seed_hard_rules as hard_rules
        on metric_values.dimension = hard_rules.dimension and metric_values.metric_name = hard_rules.metric_name
    where
        case hard_rules.operator
            when '>=' then metric_values.metric_value >= hard_rules.threshold
            when '>' then metric_values.metric_value > hard_rules.threshold
            when '<=' then metric_values.metric_value <= hard_rules.threshold
            when '<' then metric_values.metric_value < hard_rules.threshold
            when '=' then metric_values.metric_value = hard_rules.threshold
            else false
        end
),

forced as (
    select
        rules_hit.customer_id,
        rules_hit.score_date,
        rules_hit.forced_segment,
        rules_hit.reason as forced_reason,
        thresholds_in_force.segment_order as forced_segment_order
    from rules_hit
    inner join thresholds_in_force
        on rules_hit.score_date = thresholds_in_force.score_date and rules_hit.forced_segment = thresholds_in_force.segment
    qualify row_number() over (
        partition by rules_hit.customer_id, rules_hit.score_date
        order by thresholds_in_force.segment_order, rules_hit.rule_name
    ) = 1
),

churn_risk_banded as (
    select combined.customer_id, combined.score_date, bands.churn_risk
    from combined
    inner join churn_risk_bands_in_force as bands
        on combined.score_date = bands.score_date and combined.health_score >= bands.min_score
    where combined.is_scored
    qualify row_number() over (partition by combined.customer_id, combined.score_date order by bands.min_score desc) = 1
),

advocacy as (
    select
        combined.customer_id,
        combined.score_date,
        coalesce(satisfaction_scores.nps_category = 'promoter', false)
        or coalesce(engagement_scores.has_advocacy, false) as has_advocacy
    from combined
    left join satisfaction_scores
        on combined.customer_id = satisfaction_scores.customer_id and combined.score_date = satisfaction_scores.score_date
    left join engagement_scores
        on combined.customer_id = engagement_scores.customer_id and combined.score_date = engagement_scores.score_date
),

eligible_bands as (
    select
        advocacy.customer_id,
        advocacy.score_date,
        thresholds_in_force.segment,
        thresholds_in_force.min_score,
        thresholds_in_force.segment_order,
        lead(thresholds_in_force.min_score) over (
            partition by advocacy.customer_id, advocacy.score_date order by thresholds_in_force.min_score
        ) as next_min_score
    from advocacy
    inner join thresholds_in_force
        on
            advocacy.score_date = thresholds_in_force.score_date
            and (advocacy.has_advocacy or not coalesce(thresholds_in_force.requires_advocacy, false))
),

banded as (
    select eligible_bands.*
    from eligible_bands
    inner join combined
        on
            eligible_bands.customer_id = combined.customer_id
            and eligible_bands.score_date = combined.score_date
            and eligible_bands.min_score <= combined.health_score
    qualify row_number() over (
        partition by eligible_bands.customer_id, eligible_bands.score_date order by eligible_bands.min_score desc
    ) = 1
),

segments as (
    select
        combined.customer_id,
        combined.score_date,
        case
            when not combined.is_scored then 'insufficient_data'
            when lifecycle.lifecycle_status = 'churning' then 'at_risk'
            when forced.forced_segment_order < banded.segment_order then forced.forced_segment
            else banded.segment
        end as score_segment,
        case
            when not combined.is_scored then false
            when lifecycle.lifecycle_status = 'churning' then true
            else coalesce(forced.forced_segment_order <= banded.segment_order, false)
        end as is_segment_forced,
        case
            when not combined.is_scored then null
            when lifecycle.lifecycle_status = 'churning' then 'Cancellation requested'
            when forced.forced_segment_order <= banded.segment_order then forced.forced_reason
        end as segment_forced_reason
    from combined
    inner join lifecycle
        on combined.customer_id = lifecycle.customer_id and combined.score_date = lifecycle.score_date
    left join banded
        on combined.customer_id = banded.customer_id and combined.score_date = banded.score_date
    left join forced
        on combined.customer_id = forced.customer_id and combined.score_date = forced.score_date
)

select
    segments.*,
    advocacy.has_advocacy,
    segment_band.min_score as band_min_score,
    segment_band.next_min_score as band_max_score,
    churn_risk_banded.churn_risk as churn_risk_90d
from segments
inner join advocacy
    on segments.customer_id = advocacy.customer_id and segments.score_date = advocacy.score_date
left join eligible_bands as segment_band
    on
        segments.customer_id = segment_band.customer_id
        and segments.score_date = segment_band.score_date
        and segments.score_segment = segment_band.segment
left join churn_risk_banded
    on segments.customer_id = churn_risk_banded.customer_id and segments.score_date = churn_risk_banded.score_date;
