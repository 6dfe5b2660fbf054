-- Ranks, then stable segments (hysteresis) over the range, and the history row.
create or replace temp table history_flagged as
with ranked as (
    select
        combined.customer_id,
        combined.score_date,
        rank() over (partition by combined.score_date order by combined.health_score desc) as health_rank,
        100.0 * percent_rank() over (partition by combined.score_date order by combined.health_score) as health_percentile,
        rank() over (partition by combined.score_date, lifecycle.plan order by combined.health_score desc) as plan_rank,
        100.0 * percent_rank() over (partition by combined.score_date, lifecycle.plan order by combined.health_score)
            as plan_percentile
    from combined
    inner join lifecycle
        on combined.customer_id = lifecycle.customer_id and combined.score_date = lifecycle.score_date
    where combined.is_scored
)

select
    combined.*,
    driver_details.driver_detail,
    lifecycle.customer_name,
    lifecycle.plan,
    lifecycle.csm_owner,
    lifecycle.lifecycle_status,
    lifecycle.is_onboarding,
    lifecycle.mrr,
    lifecycle.currency,
    lifecycle.mrr_reporting,
    lifecycle.is_fx_rate_missing,
    case
        when not combined.is_scored then null
        when round(combined.data_completeness_pct, 6) >= combined.score_confidence_high_min_pct then 'high'
        when round(combined.data_completeness_pct, 6) >= combined.score_confidence_medium_min_pct then 'medium'
        else 'low'
    end as score_confidence,
    segmented.score_segment,
    segmented.is_segment_forced,
    segmented.segment_forced_reason,
    segmented.has_advocacy,
    segmented.band_min_score,
    segmented.band_max_score,
    segmented.churn_risk_90d,
    ranked.health_rank,
    ranked.health_percentile,
    ranked.plan_rank,
    ranked.plan_percentile,
    relationship_scores.expansion_status,
    coalesce(support_scores.is_support_silence, false) as is_support_silence,
    segmented.score_segment = 'insufficient_data'
    or lifecycle.lifecycle_status = 'churning'
    or segmented.is_segment_forced
    or (
        (segmented.band_min_score <= 0 or combined.health_score >= segmented.band_min_score + settings.segment_hysteresis_points)
        and (
            segmented.band_max_score is null
            or combined.health_score < segmented.band_max_score - settings.segment_hysteresis_points
        )
    ) as is_segment_decisive
from combined
cross join settings
inner join lifecycle
    on combined.customer_id = lifecycle.customer_id and combined.score_date = lifecycle.score_date
inner join segmented
    on combined.customer_id = segmented.customer_id and combined.score_date = segmented.score_date
left join ranked
    on combined.customer_id = ranked.customer_id and combined.score_date = ranked.score_date
left join relationship_scores
    on combined.customer_id = relationship_scores.customer_id and combined.score_date = relationship_scores.score_date
left join support_scores
    on combined.customer_id = support_scores.customer_id and combined.score_date = support_scores.score_date
left join driver_details
    on combined.customer_id = driver_details.customer_id and combined.score_date = driver_details.score_date;

-- The first range creates the table, the later ones add their rows; a later range's anchors
-- also hold each customer's last decisive day before it, from the rows written before (as dbt's
-- incremental history reads its own table).
${write_history}
with anchors as (
    select customer_id, score_date, score_segment, band_min_score, band_max_score
    from history_flagged
    where is_segment_decisive
    ${earlier_anchors}
),

stabilised as (
    select
        flagged.*,
        case
            when flagged.is_segment_decisive then flagged.score_segment
            when
                anchors.score_segment not in ('insufficient_data')
                and flagged.health_score >= anchors.band_min_score - settings.segment_hysteresis_points
                and (
                    anchors.band_max_score is null
                    or flagged.health_score < anchors.band_max_score + settings.segment_hysteresis_points
                )
                then anchors.score_segment
            else flagged.score_segment
        end as segment
    from history_flagged as flagged
    cross join settings
    asof left join anchors
        on flagged.customer_id = anchors.customer_id and flagged.score_date >= anchors.score_date
),

colours as (
    select segment, max(health_color) as health_color from seed_segment_thresholds group by segment
)

select
    s.customer_id,
    s.score_date,
    s.customer_name,
    s.plan,
    s.csm_owner,
    s.lifecycle_status,
    s.segment,
    case
        when s.segment = 'insufficient_data' then 'grey'
        when s.segment = 'at_risk' then 'red'
        else coalesce(colours.health_color, 'grey')
    end as health_color,
    s.score_segment,
    s.is_segment_decisive,
    s.is_segment_forced,
    s.segment_forced_reason,
    s.primary_driver,
    s.driver_detail,
    s.weight_set,
    s.is_onboarding,
    s.has_advocacy,
    s.expansion_status,
    s.is_support_silence,
    s.has_override,
    s.override_detail,
    case when s.is_scored then stable_round(s.health_score, 4) end as health_score,
    stable_round(s.usage_score, 4) as usage_score,
    stable_round(s.support_score, 4) as support_score,
    stable_round(s.satisfaction_score, 4) as satisfaction_score,
    stable_round(s.financial_score, 4) as financial_score,
    stable_round(s.relationship_score, 4) as relationship_score,
    stable_round(s.engagement_score, 4) as engagement_score,
    stable_round(s.data_completeness_pct, 4) as data_completeness_pct,
    s.dimensions_scored,
    s.score_confidence,
    s.churn_risk_90d,
    case when s.is_scored then s.health_rank end as health_rank,
    case when s.is_scored then stable_round(s.health_percentile, 4) end as health_percentile,
    case when s.is_scored then s.plan_rank end as plan_rank,
    case when s.is_scored then stable_round(s.plan_percentile, 4) end as plan_percentile,
    s.band_min_score,
    s.band_max_score,
    s.usage_weight,
    stable_round(s.usage_points, 4) as usage_points,
    s.support_weight,
    stable_round(s.support_points, 4) as support_points,
    s.satisfaction_weight,
    stable_round(s.satisfaction_points, 4) as satisfaction_points,
    s.financial_weight,
    stable_round(s.financial_points, 4) as financial_points,
    s.relationship_weight,
    stable_round(s.relationship_points, 4) as relationship_points,
    s.engagement_weight,
    stable_round(s.engagement_points, 4) as engagement_points,
    s.mrr,
    s.currency,
    s.mrr_reporting,
    '${reporting_currency}' as reporting_currency,
    s.is_fx_rate_missing
from stabilised as s
left join colours on s.segment = colours.segment;
