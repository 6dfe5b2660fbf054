{#-
    The segment and churn risk of every customer in scope on every score date, from the day's
    score (`int_health__combined`), before segment stabilisation:
    - Segments by the `segment_thresholds` version in force that day (latest valid_from on or
      before it); a band that `requires_advocacy` (promoter) needs a promoter NPS answer in the
      satisfaction window, a testimonial or positive spontaneous feedback.
    - A cancellation requested (churning) forces at_risk; a `hard_rules` rule on a scored metric
      forces its segment when it is worse than the score's.
    - Churn risk: `churn_risk_90d` is the `churn_risk` of the band of the `churn_risk_bands`
      version in force that day with the highest min_score at or below the score.
-#}
{{ assert_churn_risk_horizon(90) }}
{%- set dimensions = var('dimensions') -%}
with

combined as (

    select * from {{ ref('int_health__combined') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

segment_thresholds as (

    select * from {{ ref('segment_thresholds') }}

),

hard_rules as (

    select * from {{ ref('hard_rules') }}

),

churn_risk_bands as (

    select * from {{ ref('churn_risk_bands') }}

),

{% for dimension in dimensions -%}
    {{ dimension }}_scores as (

        select * from {{ ref('int_' ~ dimension ~ '__scores') }}

    ),

{% endfor -%}

score_dates as (

    select distinct score_date from combined

),

thresholds_in_force as (

    {{ in_force('segment_thresholds', 'score_dates') }}

),

churn_risk_bands_in_force as (

    {{ in_force('churn_risk_bands', 'score_dates') }}

),

metric_facts as (

    -- Every scored metric of the dimensions, one row each, for the hard rules.
    {{ metric_rows() }}

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

churn_risk_banded as (

    -- The band of the version in force with the highest min_score at or below the score.
    select
        combined.customer_id,
        combined.score_date,
        churn_risk_bands_in_force.churn_risk,
        row_number() over (
            partition by combined.customer_id, combined.score_date
            order by churn_risk_bands_in_force.min_score desc
        ) as band_rank

    from combined
    inner join churn_risk_bands_in_force
        on
            combined.score_date = churn_risk_bands_in_force.score_date
            and combined.health_score >= churn_risk_bands_in_force.min_score
    where combined.is_scored

),

advocacy as (

    select
        combined.customer_id,
        combined.score_date,
        coalesce(satisfaction_scores.nps_category = 'promoter', false)
        or coalesce(engagement_scores.has_advocacy, false) as has_advocacy

    from combined
    left join satisfaction_scores
        on
            combined.customer_id = satisfaction_scores.customer_id
            and combined.score_date = satisfaction_scores.score_date
    left join engagement_scores
        on
            combined.customer_id = engagement_scores.customer_id
            and combined.score_date = engagement_scores.score_date

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
            and (advocacy.has_advocacy or not coalesce(thresholds_in_force.requires_advocacy, false))

),

banded as (

    select
        eligible_bands.*,
        row_number() over (
            partition by eligible_bands.customer_id, eligible_bands.score_date
            order by eligible_bands.min_score desc
        ) as band_rank

    from eligible_bands
    inner join combined
        on
            eligible_bands.customer_id = combined.customer_id
            and eligible_bands.score_date = combined.score_date
            and eligible_bands.min_score <= combined.health_score

),

segmented as (

    select
        combined.customer_id,
        combined.score_date,
        case
            when not combined.is_scored then 'insufficient_data'
            -- A cancellation already requested is at risk whatever the other signals say.
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
        on
            combined.customer_id = lifecycle.customer_id
            and combined.score_date = lifecycle.score_date
    left join banded
        on
            combined.customer_id = banded.customer_id
            and combined.score_date = banded.score_date
            and banded.band_rank = 1
    left join forced
        on
            combined.customer_id = forced.customer_id
            and combined.score_date = forced.score_date
            and forced.severity_rank = 1

),

final as (

    select
        ---------- ids
        segmented.customer_id,
        segmented.score_date,

        ---------- attributes
        segmented.score_segment,
        segmented.is_segment_forced,
        segmented.segment_forced_reason,
        advocacy.has_advocacy,

        ---------- numerics
        -- The band of score_segment, for segment stabilisation (hysteresis) in the history.
        segment_band.min_score as band_min_score,
        segment_band.next_min_score as band_max_score,
        churn_risk_banded.churn_risk as churn_risk_90d

    from segmented
    inner join advocacy
        on
            segmented.customer_id = advocacy.customer_id
            and segmented.score_date = advocacy.score_date
    left join eligible_bands as segment_band
        on
            segmented.customer_id = segment_band.customer_id
            and segmented.score_date = segment_band.score_date
            and segmented.score_segment = segment_band.segment
    left join churn_risk_banded
        on
            segmented.customer_id = churn_risk_banded.customer_id
            and segmented.score_date = churn_risk_banded.score_date
            and churn_risk_banded.band_rank = 1

)

select * from final
{{ storage_order('customer_id, score_date') }}
