{{ config(**incremental_by_day_config('score_date')) }}
{#-
    One row per customer in scope per day: the score history. Each run adds (or replaces) the
    days from `score_from_date` to `as_of_date`, computed point in time: the row for day D uses
    only data whose event time is on or before D. Late-arriving rows (an event for D loaded
    after D was scored) change D only when D is scored again (a backfill of that day).

    Stable segments (hysteresis): a customer's segment changes only when the score is at least
    `segment_hysteresis_points` (health_settings seed) inside another band; in between, the last
    segment the score was clearly in holds. insufficient_data, churning and a segment forced by a
    hard rule apply at once.
-#}
{%- set dimensions = var('dimensions') -%}
with

scored as (

    select * from {{ ref('int_health__scored') }}

),

settings as (

    select cast(value as double) as hysteresis_points
    from {{ ref('health_settings') }}
    where setting = 'segment_hysteresis_points'

),

segment_thresholds as (

    select * from {{ ref('segment_thresholds') }}

),

colours as (

    select
        segment,
        max(health_color) as health_color

    from segment_thresholds
    group by segment

),

-- The hysteresis reads the narrow segments (score, segment, band): `int_health__scored` is a
-- view of the wide rows with their sentences, joined once, at the end.
run_start as (

    select min(score_date) as score_date
    from {{ ref('int_health__segmented') }}

),

flagged as (

    select
        segmented.customer_id,
        segmented.score_date,
        segmented.score_segment,
        segmented.health_score,
        segmented.band_min_score,
        segmented.band_max_score,
        segmented.score_segment = 'insufficient_data'
        or segmented.lifecycle_status = 'churning'
        or segmented.is_segment_forced
        or (
            (
                segmented.band_min_score <= 0
                or segmented.health_score >= segmented.band_min_score + settings.hysteresis_points
            )
            and (
                segmented.band_max_score is null
                or segmented.health_score < segmented.band_max_score - settings.hysteresis_points
            )
        ) as is_segment_decisive

    from {{ ref('int_health__segmented') }} as segmented
    cross join settings

),

{% if is_incremental() %}
    last_decisive_before_run as (

        -- Each customer's last decisive day before this run, in the history already built.
        select
            customer_id,
            max(score_date) as score_date

        from {{ this }}
        where
            is_segment_decisive
            and score_date < (select run_start.score_date from run_start)
        group by customer_id

    ),
{% endif %}

anchors as (

    -- Days on which the segment was decisive: this run's, and the last one before it.
    select
        customer_id,
        score_date,
        score_segment,
        band_min_score,
        band_max_score

    from flagged
    where is_segment_decisive

    {% if is_incremental() %}
        union all

        select
            history.customer_id,
            history.score_date,
            history.score_segment,
            history.band_min_score,
            history.band_max_score

        from {{ this }} as history
        inner join last_decisive_before_run as last_before
            on
                history.customer_id = last_before.customer_id
                and history.score_date = last_before.score_date
    {% endif %}

),

anchor_days as (

    -- The run's days, and the anchor before the run (incremental runs), each with its anchor
    -- date when it is one.
    select
        customer_id,
        score_date,
        true as is_run_day,
        case when is_segment_decisive then score_date end as anchor_date

    from flagged

    union all

    select
        customer_id,
        score_date,
        false as is_run_day,
        score_date as anchor_date

    from anchors
    where score_date < (select run_start.score_date from run_start)

),

anchor_dates as (

    -- The latest anchor on or before each day: a running max over the customer's days, where a
    -- join of every day to every earlier anchor grew with the square of the days (297M rows
    -- for 100,000 customers x 90 days).
    select
        customer_id,
        score_date,
        is_run_day,
        max(anchor_date) over (
            partition by customer_id order by score_date rows between unbounded preceding and current row
        ) as anchor_date

    from anchor_days

),

latest_anchor as (

    select
        anchor_dates.customer_id,
        anchor_dates.score_date,
        anchors.score_segment as anchor_segment,
        anchors.band_min_score as anchor_min_score,
        anchors.band_max_score as anchor_max_score

    from anchor_dates
    inner join anchors
        on
            anchor_dates.customer_id = anchors.customer_id
            and anchor_dates.anchor_date = anchors.score_date
    where anchor_dates.is_run_day

),

stabilised as (

    select
        flagged.customer_id,
        flagged.score_date,
        flagged.is_segment_decisive,
        case
            when flagged.is_segment_decisive then flagged.score_segment
            when
                latest_anchor.anchor_segment not in ('insufficient_data')
                and flagged.health_score >= latest_anchor.anchor_min_score - settings.hysteresis_points
                and (
                    latest_anchor.anchor_max_score is null
                    or flagged.health_score < latest_anchor.anchor_max_score + settings.hysteresis_points
                )
                then latest_anchor.anchor_segment
            else flagged.score_segment
        end as segment

    from flagged
    cross join settings
    left join latest_anchor
        on
            flagged.customer_id = latest_anchor.customer_id
            and flagged.score_date = latest_anchor.score_date

),

final as (

    select
        ---------- ids
        scored.customer_id,
        scored.score_date,

        ---------- attributes
        scored.customer_name,
        scored.plan,
        scored.csm_owner,
        scored.lifecycle_status,
        stabilised.segment,
        case
            when stabilised.segment = 'insufficient_data' then 'grey'
            when stabilised.segment = 'at_risk' then 'red'
            else coalesce(colours.health_color, 'grey')
        end as health_color,
        scored.score_segment,
        stabilised.is_segment_decisive,
        scored.is_segment_forced,
        scored.segment_forced_reason,
        scored.primary_driver,
        scored.driver_detail,
        scored.weight_set,
        scored.is_onboarding,
        scored.has_advocacy,
        scored.expansion_status,
        scored.is_support_silence,
        scored.has_override,
        scored.override_detail,

        ---------- scores
        -- Rounded to 4 decimals (stable_round: a half up to a float error rounds as the half), so
        -- that the last bits of a float, which depend on how its sums were computed, never show.
        -- Each is under 100 (overrides too, by the seed's test): 18 digits hold them.
        case when scored.is_scored then {{ stable_round('scored.health_score', 4, 18) }} end as health_score,
        {% for dimension in dimensions -%}
            {{ stable_round('scored.' ~ dimension ~ '_score', 4, 18) }} as {{ dimension }}_score,
        {% endfor -%}
        {{ stable_round('scored.data_completeness_pct', 4, 18) }} as data_completeness_pct,
        scored.dimensions_scored,
        scored.score_confidence,
        scored.churn_risk_90d,
        case when scored.is_scored then scored.health_rank end as health_rank,
        case when scored.is_scored then {{ stable_round('scored.health_percentile', 4, 18) }} end
            as health_percentile,
        case when scored.is_scored then scored.plan_rank end as plan_rank,
        case when scored.is_scored then {{ stable_round('scored.plan_percentile', 4, 18) }} end as plan_percentile,
        scored.band_min_score,
        scored.band_max_score,

        ---------- weights and contributions
        {% for dimension in dimensions -%}
            scored.{{ dimension }}_weight,
            {{ stable_round('scored.' ~ dimension ~ '_points', 4, 18) }} as {{ dimension }}_points,
        {% endfor -%}

        ---------- numerics
        scored.mrr,
        scored.currency,
        scored.mrr_reporting,
        '{{ var("reporting_currency") }}' as reporting_currency,
        scored.is_fx_rate_missing

    from scored
    inner join stabilised
        on
            scored.customer_id = stabilised.customer_id
            and scored.score_date = stabilised.score_date
    left join colours
        on stabilised.segment = colours.segment

)

select * from final
{{ storage_order('customer_id, score_date') }}
