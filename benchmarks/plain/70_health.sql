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

-- The six sub-scores side by side, one row per customer and day: stacked and grouped (one hash
-- aggregate, which spills); six joins of the day spine to the six tables ran out of memory at
-- 100,000 customers x 90 days under a 14 GB limit, as they did in dbt's int_health__combined.
create or replace temp table dimension_values as
select customer_id, score_date, max(usage_score) as usage_score, max(support_score) as support_score, max(satisfaction_score) as satisfaction_score, max(financial_score) as financial_score, max(relationship_score) as relationship_score, max(engagement_score) as engagement_score
from (
    select customer_id, score_date, usage_score, null::double as support_score, null::double as satisfaction_score, null::double as financial_score, null::double as relationship_score, null::double as engagement_score from usage_scores
    union all
    select customer_id, score_date, null::double as usage_score, support_score, null::double as satisfaction_score, null::double as financial_score, null::double as relationship_score, null::double as engagement_score from support_scores
    union all
    select customer_id, score_date, null::double as usage_score, null::double as support_score, satisfaction_score, null::double as financial_score, null::double as relationship_score, null::double as engagement_score from satisfaction_scores
    union all
    select customer_id, score_date, null::double as usage_score, null::double as support_score, null::double as satisfaction_score, financial_score, null::double as relationship_score, null::double as engagement_score from financial_scores
    union all
    select customer_id, score_date, null::double as usage_score, null::double as support_score, null::double as satisfaction_score, null::double as financial_score, relationship_score, null::double as engagement_score from relationship_scores
    union all
    select customer_id, score_date, null::double as usage_score, null::double as support_score, null::double as satisfaction_score, null::double as financial_score, null::double as relationship_score, engagement_score from engagement_scores
)
group by customer_id, score_date;

create or replace temp table combined as
with in_scope as (
    select customer_id, score_date, case when is_onboarding then 'onboarding' else plan end as weight_plan
    from lifecycle
    where lifecycle_status in ('active', 'churning')
),

-- The weight set of each day as one row: a plan without its own set takes `default`.
weight_sets as (
    pivot (select score_date, weight_set, dimension, weight from weights_in_force)
    on dimension in (${dimensions_pivot}) using max(weight) group by score_date, weight_set
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

-- One row per customer and day with each dimension's score (an override replaces it) and weight.
wide as (
    select
        in_scope.customer_id,
        in_scope.score_date,
        weights.weight_set,
        coalesce(usage_override.override_score, dimension_values.usage_score) as usage_score,
        weights.usage as usage_weight,
        coalesce(support_override.override_score, dimension_values.support_score) as support_score,
        weights.support as support_weight,
        coalesce(satisfaction_override.override_score, dimension_values.satisfaction_score) as satisfaction_score,
        weights.satisfaction as satisfaction_weight,
        coalesce(financial_override.override_score, dimension_values.financial_score) as financial_score,
        weights.financial as financial_weight,
        coalesce(relationship_override.override_score, dimension_values.relationship_score) as relationship_score,
        weights.relationship as relationship_weight,
        coalesce(engagement_override.override_score, dimension_values.engagement_score) as engagement_score,
        weights.engagement as engagement_weight
    from in_scope
    left join (select distinct score_date, weight_set from weights_in_force) as own_set
        on in_scope.weight_plan = own_set.weight_set and in_scope.score_date = own_set.score_date
    inner join weight_sets as weights
        on coalesce(own_set.weight_set, 'default') = weights.weight_set and in_scope.score_date = weights.score_date
    left join dimension_values
        on in_scope.customer_id = dimension_values.customer_id and in_scope.score_date = dimension_values.score_date
    left join overrides_in_force as usage_override
        on
            in_scope.customer_id = usage_override.customer_id
            and in_scope.score_date = usage_override.score_date
            and usage_override.dimension = 'usage'
    left join overrides_in_force as support_override
        on
            in_scope.customer_id = support_override.customer_id
            and in_scope.score_date = support_override.score_date
            and support_override.dimension = 'support'
    left join overrides_in_force as satisfaction_override
        on
            in_scope.customer_id = satisfaction_override.customer_id
            and in_scope.score_date = satisfaction_override.score_date
            and satisfaction_override.dimension = 'satisfaction'
    left join overrides_in_force as financial_override
        on
            in_scope.customer_id = financial_override.customer_id
            and in_scope.score_date = financial_override.score_date
            and financial_override.dimension = 'financial'
    left join overrides_in_force as relationship_override
        on
            in_scope.customer_id = relationship_override.customer_id
            and in_scope.score_date = relationship_override.score_date
            and relationship_override.dimension = 'relationship'
    left join overrides_in_force as engagement_override
        on
            in_scope.customer_id = engagement_override.customer_id
            and in_scope.score_date = engagement_override.score_date
            and engagement_override.dimension = 'engagement'
),

-- Sums over the six dimensions are compensated (fsum): correctly rounded, whatever the order.
summed as (
    select
        *,
        list_aggregate([case when usage_score is not null then usage_weight end, case when support_score is not null then support_weight end, case when satisfaction_score is not null then satisfaction_weight end, case when financial_score is not null then financial_weight end, case when relationship_score is not null then relationship_weight end, case when engagement_score is not null then engagement_weight end], 'fsum') as weight_present,
        list_aggregate([usage_score * usage_weight, support_score * support_weight, satisfaction_score * satisfaction_weight, financial_score * financial_weight, relationship_score * relationship_weight, engagement_score * engagement_weight], 'fsum') as weighted_score_sum,
        list_aggregate([case when usage_score is not null then usage_weight else 0 end, case when support_score is not null then support_weight else 0 end, case when satisfaction_score is not null then satisfaction_weight else 0 end, case when financial_score is not null then financial_weight else 0 end, case when relationship_score is not null then relationship_weight else 0 end, case when engagement_score is not null then engagement_weight else 0 end], 'fsum') as weight_with_data,
        list_aggregate([usage_weight, support_weight, satisfaction_weight, financial_weight, relationship_weight, engagement_weight], 'fsum') as weight_total,
        -- The driver: the dimension costing the most points (ties: by name).
        list_sort(list_filter(
            [{'points_lost': -(usage_weight * (100 - usage_score)), 'dimension': 'usage'}, {'points_lost': -(support_weight * (100 - support_score)), 'dimension': 'support'}, {'points_lost': -(satisfaction_weight * (100 - satisfaction_score)), 'dimension': 'satisfaction'}, {'points_lost': -(financial_weight * (100 - financial_score)), 'dimension': 'financial'}, {'points_lost': -(relationship_weight * (100 - relationship_score)), 'dimension': 'relationship'}, {'points_lost': -(engagement_weight * (100 - engagement_score)), 'dimension': 'engagement'}],
            lambda x: x.points_lost is not null
        ))[1] as driver
    from wide
),

aggregated as (
    select
        customer_id,
        score_date,
        weight_set,
        case
            when weight_present > 0 then least(greatest(weighted_score_sum / nullif(weight_present, 0), 0), 100)
        end as computed_health_score,
        100.0 * cast(weight_with_data as double) / nullif(cast(weight_total as double), 0) as data_completeness_pct,
        len(list_filter([usage_score * usage_weight, support_score * support_weight, satisfaction_score * satisfaction_weight, financial_score * financial_weight, relationship_score * relationship_weight, engagement_score * engagement_weight], lambda x: x is not null)) as dimensions_scored,
        case when -driver.points_lost / nullif(weight_present, 0) > 0 then driver.dimension end as primary_driver,
        -- A dimension without a weight in the set is left out, as if it had no row.
        case when usage_weight is not null then usage_score end as usage_score,
        usage_weight,
        usage_weight * usage_score / nullif(weight_present, 0) as usage_points,
        case when support_weight is not null then support_score end as support_score,
        support_weight,
        support_weight * support_score / nullif(weight_present, 0) as support_points,
        case when satisfaction_weight is not null then satisfaction_score end as satisfaction_score,
        satisfaction_weight,
        satisfaction_weight * satisfaction_score / nullif(weight_present, 0) as satisfaction_points,
        case when financial_weight is not null then financial_score end as financial_score,
        financial_weight,
        financial_weight * financial_score / nullif(weight_present, 0) as financial_points,
        case when relationship_weight is not null then relationship_score end as relationship_score,
        relationship_weight,
        relationship_weight * relationship_score / nullif(weight_present, 0) as relationship_points,
        case when engagement_weight is not null then engagement_score end as engagement_score,
        engagement_weight,
        engagement_weight * engagement_score / nullif(weight_present, 0) as engagement_points
    from summed
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

-- The primary driver's sentence, built for the driver only, from its dimension's row of the day
-- (null when a part of it is missing; not filtered on: DuckDB would push the filter into the
-- scan of every dimension row and build every sentence to test it).
create or replace temp table driver_details as
select * from (
    select c.customer_id, c.score_date,
        'usage: ' || whole_text(d.active_users) || ' of '
        || coalesce(whole_text(d.seats_purchased), '?') || ' seats and '
        || whole_text(d.features_used) || ' of '
        || coalesce(whole_text(d.features_available), '?') || ' features used in the last '
        || whole_text(d.window_days) || ' days'
        || coalesce(
            ', events ' || case when d.events_trend_pct < 0 then 'down ' else 'up ' end
            || whole_text(abs(d.events_trend_pct)) || '% on the window before',
            ''
        ) as driver_detail
    from combined as c
    inner join usage_scores as d on c.customer_id = d.customer_id and c.score_date = d.score_date
    where c.primary_driver = 'usage'

    union all

    select c.customer_id, c.score_date,
        case
            when d.is_support_silence
                then 'support: no ticket in the last ' || whole_text(d.window_days) || ' days from a '
                    || whole_text(d.seats_purchased) || '-seat account with low usage (silence, not health)'
            else 'support: ' || whole_text(d.tickets_opened) || ' tickets in the last '
                || whole_text(d.window_days) || ' days, '
                || whole_text(d.urgent_high_tickets) || ' high or urgent, '
                || whole_text(d.resolution_sla_breaches) || ' past the resolution SLA'
                || coalesce(', ticket CSAT ' || cast(round(d.avg_ticket_csat, 1) as varchar) || ' of 5', '')
        end
    from combined as c
    inner join support_scores as d on c.customer_id = d.customer_id and c.score_date = d.score_date
    where c.primary_driver = 'support'

    union all

    select c.customer_id, c.score_date,
        'satisfaction: '
        || coalesce(
            'latest NPS ' || whole_text(d.latest_nps) || ' (' || d.nps_category || ') '
            || whole_text(d.latest_nps_age_days) || ' days ago',
            'no NPS answer'
        )
        || coalesce(', CSAT ' || whole_text(d.csat_pct) || '/100', '')
        || coalesce(', micro-ratings ' || whole_text(d.micro_rating_pct) || '/100', '')
        || coalesce(', CSM pulse ' || whole_text(d.csm_pulse_pct) || '/100', '')
    from combined as c
    inner join satisfaction_scores as d on c.customer_id = d.customer_id and c.score_date = d.score_date
    where c.primary_driver = 'satisfaction'

    union all

    select c.customer_id, c.score_date,
        'financial: '
        || case
            when d.overdue_amount > 0
                then whole_text(d.overdue_amount) || ' overdue ('
                    || cast(round(d.overdue_to_mrr_ratio, 1) as varchar) || 'x MRR), '
            else 'nothing overdue, '
        end
        || 'up to ' || whole_text(d.max_days_past_due) || ' days past due, '
        || whole_text(d.failed_payments) || ' failed payments in the last '
        || whole_text(d.window_days) || ' days'
        || coalesce(', ' || whole_text(d.late_paid_pct) || '% of invoices paid late', '')
    from combined as c
    inner join financial_scores as d on c.customer_id = d.customer_id and c.score_date = d.score_date
    where c.primary_driver = 'financial'

    union all

    select c.customer_id, c.score_date,
        'relationship: '
        || coalesce('term ends in ' || whole_text(d.days_to_term_end) || ' days, ', 'no term end, ')
        || whole_text(d.renewals_completed) || ' renewals, '
        || whole_text(d.tenure_days) || ' days of tenure'
        || case
            when d.contraction_pct > 0
                then ', MRR down ' || whole_text(d.contraction_pct) || '% on '
                    || whole_text(d.window_days) || ' days ago'
            when d.expansion_status = 'backed' then ', expansion backed by engagement'
            when d.expansion_status = 'not_backed' then ', expansion not backed by engagement (neutral)'
            else ''
        end
    from combined as c
    inner join relationship_scores as d on c.customer_id = d.customer_id and c.score_date = d.score_date
    where c.primary_driver = 'relationship'

    union all

    select c.customer_id, c.score_date,
        'engagement: ' || whole_text(d.touchpoints) || ' touchpoints in the last '
        || whole_text(d.window_days) || ' days worth '
        || whole_text(d.gross_points) || ' points after decay, last one '
        || whole_text(d.days_since_last_touchpoint) || ' days ago'
        || case
            when d.silent_weeks > 0
                then ' (' || whole_text(d.silent_weeks) || ' weeks of silence cost '
                    || whole_text(d.silence_penalty_points) || ' points)'
            else ''
        end
    from combined as c
    inner join engagement_scores as d on c.customer_id = d.customer_id and c.score_date = d.score_date
    where c.primary_driver = 'engagement'
);

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

drop view temp.main.metric_values;
