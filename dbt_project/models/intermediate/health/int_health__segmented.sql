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
{%- set dimension_metric_lists = dimension_metrics() -%}
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

satisfaction_scores as (

    select * from {{ ref('int_satisfaction__scores') }}

),

engagement_scores as (

    select * from {{ ref('int_engagement__scores') }}

),

-- Narrow reads of their own: DuckDB holds a CTE that is read more than once whole in memory (or
-- spills it), which at a year of 100,000 customers ran this model out of memory.
score_dates as (

    select distinct score_date from {{ ref('int_health__combined') }}

),

thresholds_in_force as (

    {{ in_force('segment_thresholds', 'score_dates') }}

),

churn_risk_bands_in_force as (

    {{ in_force('churn_risk_bands', 'score_dates') }}

),

rules_hit as (

    -- Each hard rule against its metric, one pass over each dimension's scores: the rule's metric
    -- is picked by name from the row, so no metric is unpivoted that no rule reads.
    {% for dimension in dimensions -%}
        {%- set metric_value -%}
            case hard_rules.metric_name
                {%- for metric in dimension_metric_lists[dimension] %}
                    when '{{ metric }}' then cast(dimension_scores.{{ metric }} as double)
                {%- endfor %}
            end
        {%- endset %}
        select
            dimension_scores.customer_id,
            dimension_scores.score_date,
            hard_rules.rule_name,
            hard_rules.forced_segment,
            hard_rules.reason

        from {{ ref('int_' ~ dimension ~ '__scores') }} as dimension_scores
        inner join hard_rules
            on hard_rules.dimension = '{{ dimension }}'
        where
            case hard_rules.operator
                when '>=' then {{ metric_value }} >= hard_rules.threshold
                when '>' then {{ metric_value }} > hard_rules.threshold
                when '<=' then {{ metric_value }} <= hard_rules.threshold
                when '<' then {{ metric_value }} < hard_rules.threshold
                when '=' then {{ metric_value }} = hard_rules.threshold
                else false
            end
        {% if not loop.last %}
            union all
        {% endif -%}
    {%- endfor %}

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

advocacy as (

    select
        combined.customer_id,
        combined.score_date,
        combined.health_score,
        combined.is_scored,
        lifecycle.lifecycle_status,
        coalesce(satisfaction_scores.nps_category = 'promoter', false)
        or coalesce(engagement_scores.has_advocacy, false) as has_advocacy

    from combined
    inner join lifecycle
        on
            combined.customer_id = lifecycle.customer_id
            and combined.score_date = lifecycle.score_date
    left join satisfaction_scores
        on
            combined.customer_id = satisfaction_scores.customer_id
            and combined.score_date = satisfaction_scores.score_date
    left join engagement_scores
        on
            combined.customer_id = engagement_scores.customer_id
            and combined.score_date = engagement_scores.score_date

),

advocacy_cases as (

    select true as has_advocacy
    union all
    select false as has_advocacy

),

segment_bands as (

    -- Each day's bands open to a customer with and without advocacy (promoter needs it), with
    -- the next open band's floor: a few rows per day, so each customer-day joins exactly one band.
    select
        thresholds_in_force.score_date,
        advocacy_cases.has_advocacy,
        thresholds_in_force.segment,
        thresholds_in_force.min_score,
        thresholds_in_force.segment_order,
        lead(thresholds_in_force.min_score) over (
            partition by thresholds_in_force.score_date, advocacy_cases.has_advocacy
            order by thresholds_in_force.min_score
        ) as next_min_score

    from thresholds_in_force
    inner join advocacy_cases
        on advocacy_cases.has_advocacy or not coalesce(thresholds_in_force.requires_advocacy, false)

),

churn_risk_ranges as (

    -- Each day's churn-risk bands with the next band's floor (none above the top band).
    select
        score_date,
        churn_risk,
        min_score,
        lead(min_score) over (partition by score_date order by min_score) as next_min_score
    from churn_risk_bands_in_force

),

banded as (

    -- The band with the highest min_score at or below the score, among those open to the customer.
    select
        advocacy.*,
        score_band.segment as band_segment,
        score_band.segment_order as band_segment_order,
        churn_risk_ranges.churn_risk

    from advocacy
    left join segment_bands as score_band
        on
            advocacy.score_date = score_band.score_date
            and advocacy.has_advocacy = score_band.has_advocacy
            and advocacy.health_score >= score_band.min_score
            and (advocacy.health_score < score_band.next_min_score or score_band.next_min_score is null)
    left join churn_risk_ranges
        on
            advocacy.score_date = churn_risk_ranges.score_date
            and advocacy.is_scored
            and advocacy.health_score >= churn_risk_ranges.min_score
            and (
                advocacy.health_score < churn_risk_ranges.next_min_score
                or churn_risk_ranges.next_min_score is null
            )

),

segmented as (

    select
        banded.customer_id,
        banded.score_date,
        banded.health_score,
        banded.lifecycle_status,
        banded.has_advocacy,
        banded.churn_risk,
        case
            when not banded.is_scored then 'insufficient_data'
            -- A cancellation already requested is at risk whatever the other signals say.
            when banded.lifecycle_status = 'churning' then 'at_risk'
            when forced.forced_segment_order < banded.band_segment_order then forced.forced_segment
            else banded.band_segment
        end as score_segment,
        case
            when not banded.is_scored then false
            when banded.lifecycle_status = 'churning' then true
            else coalesce(forced.forced_segment_order <= banded.band_segment_order, false)
        end as is_segment_forced,
        case
            when not banded.is_scored then null
            when banded.lifecycle_status = 'churning' then 'Cancellation requested'
            when forced.forced_segment_order <= banded.band_segment_order then forced.forced_reason
        end as segment_forced_reason

    from banded
    left join forced
        on
            banded.customer_id = forced.customer_id
            and banded.score_date = forced.score_date
            and forced.severity_rank = 1

),

final as (

    select
        ---------- ids
        segmented.customer_id,
        segmented.score_date,

        ---------- attributes
        segmented.lifecycle_status,
        segmented.score_segment,
        segmented.is_segment_forced,
        segmented.segment_forced_reason,
        segmented.has_advocacy,

        ---------- numerics
        -- The score and the band of score_segment, for segment stabilisation (hysteresis) in the
        -- history, which reads them here rather than from the wide rows of int_health__scored.
        segmented.health_score,
        segment_band.min_score as band_min_score,
        segment_band.next_min_score as band_max_score,
        segmented.churn_risk as churn_risk_90d

    from segmented
    left join segment_bands as segment_band
        on
            segmented.score_date = segment_band.score_date
            and segmented.has_advocacy = segment_band.has_advocacy
            and segmented.score_segment = segment_band.segment

)

select * from final
