{#-
    The health score of every customer in scope on every score date, before segment
    stabilisation, with what explains it: the customer's attributes that day, the score and its
    parts (`int_health__combined`), the segment and churn risk (`int_health__segmented`), and the
    rank and percentile overall and within the plan, and the primary driver's sentence
    (`int_health__driver_details`).

    A view: its one reader in the pipeline, `customer_health_daily`, reads it once, so its wide
    rows are joined once, straight into the mart, instead of written to a table and read back
    (at 100,000 customers that write was a tenth of the year's rebuild). The hysteresis reads
    its narrow columns from `int_health__segmented`.
-#}
{{ config(materialized='view') }}
{%- set dimensions = var('dimensions') -%}
with

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

combined as (

    select * from {{ ref('int_health__combined') }}

),

segmented as (

    select * from {{ ref('int_health__segmented') }}

),

-- The ranks come from narrow reads of their own: a CTE read twice is held whole in memory by
-- DuckDB, and `combined` read here and below ran out of memory under a 14 GB limit at 100,000
-- customers x 90 days; ranked apart and joined back, the model runs under 3 GB there.
combined_scores as (

    select
        customer_id,
        score_date,
        health_score,
        is_scored

    from {{ ref('int_health__combined') }}

),

lifecycle_plans as (

    select
        customer_id,
        score_date,
        plan

    from {{ ref('int_customers__lifecycle') }}

),

scored_with_plan as (

    select
        combined_scores.customer_id,
        combined_scores.score_date,
        combined_scores.health_score,
        lifecycle_plans.plan

    from combined_scores
    inner join lifecycle_plans
        on
            combined_scores.customer_id = lifecycle_plans.customer_id
            and combined_scores.score_date = lifecycle_plans.score_date
    where combined_scores.is_scored

),

ranked as (

    select
        customer_id,
        score_date,
        -- bigint on both engines (Spark's rank() is an int).
        cast(rank() over (partition by score_date order by health_score desc) as bigint) as health_rank,
        100.0 * percent_rank() over (partition by score_date order by health_score) as health_percentile,
        cast(rank() over (partition by score_date, plan order by health_score desc) as bigint) as plan_rank,
        100.0 * percent_rank() over (partition by score_date, plan order by health_score) as plan_percentile

    from scored_with_plan

),

driver_details as (

    select * from {{ ref('int_health__driver_details') }}

),

-- The ranks and sentences joined to the other narrow table first, and that to `combined` below:
-- joined to `combined` directly, DuckDB built its hash tables on the wide side twice
-- (`combined`, then `combined` with the ranks) and ran out of memory under a 3 GB limit at
-- 100,000 customers x 46 days (peak 5.4 GB without one); this way the same rows take 3.7 GB and
-- half the CPU time.
segmented_ranked as (

    select
        segmented.*,
        ranked.health_rank,
        ranked.health_percentile,
        ranked.plan_rank,
        ranked.plan_percentile,
        driver_details.driver_detail

    from segmented
    left join ranked
        on
            segmented.customer_id = ranked.customer_id
            and segmented.score_date = ranked.score_date
    left join driver_details
        on
            segmented.customer_id = driver_details.customer_id
            and segmented.score_date = driver_details.score_date

),

final as (

    select
        ---------- ids
        combined.customer_id,
        combined.score_date,

        ---------- attributes
        lifecycle.customer_name,
        lifecycle.plan,
        lifecycle.csm_owner,
        lifecycle.lifecycle_status,
        lifecycle.is_onboarding,
        combined.weight_set,
        combined.primary_driver,
        segmented_ranked.driver_detail,
        segmented_ranked.score_segment,
        segmented_ranked.is_segment_forced,
        segmented_ranked.segment_forced_reason,
        segmented_ranked.has_advocacy,
        combined.expansion_status,
        combined.is_support_silence,
        combined.is_scored,
        combined.score_confidence,
        combined.has_override,
        combined.override_detail,

        -- The band of score_segment, for segment stabilisation (hysteresis) in the history.
        segmented_ranked.band_min_score,
        segmented_ranked.band_max_score,

        ---------- scores
        combined.health_score,
        combined.computed_health_score,
        {% for dimension in dimensions -%}
            combined.{{ dimension }}_score,
        {% endfor -%}
        combined.data_completeness_pct,
        combined.dimensions_scored,
        segmented_ranked.churn_risk_90d,
        segmented_ranked.health_rank,
        segmented_ranked.health_percentile,
        segmented_ranked.plan_rank,
        segmented_ranked.plan_percentile,

        ---------- weights and contributions
        {% for dimension in dimensions -%}
            combined.{{ dimension }}_weight,
            combined.{{ dimension }}_points,
        {% endfor -%}

        ---------- numerics
        lifecycle.mrr,
        lifecycle.currency,
        lifecycle.mrr_reporting,
        lifecycle.is_fx_rate_missing

    from combined
    inner join lifecycle
        on
            combined.customer_id = lifecycle.customer_id
            and combined.score_date = lifecycle.score_date
    inner join segmented_ranked
        on
            combined.customer_id = segmented_ranked.customer_id
            and combined.score_date = segmented_ranked.score_date

)

select * from final
