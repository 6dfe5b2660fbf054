{#-
    Engagement per customer and score date over the engagement window ending on the day
    (`dimension_settings` seed). Each touchpoint earns the points of its kind (`engagement_points`
    seed), times its sentiment multiplier (`engagement_sentiment`: liked > indifferent, and
    wasted_time subtracts), times its intensity (1 plus up to `engagement_intensity_max_bonus`
    for a comment of `engagement_intensity_full_length` characters), halved every
    `half_life_days` of age. Silence costs `engagement_silence_points_per_week` per full week
    without a touchpoint past `engagement_grace_days`. The net points are scaled to 0-100 by the
    `metric_scoring` seed. No touchpoint in the last `freshness_days`: no row.
    Advocacy (a testimonial, or spontaneous feedback marked liked, in the last
    `advocacy_window_days`) qualifies a high score for the promoter segment.
-#}
{%- set metrics = dimension_metrics()['engagement'] -%}
{%- set age_days = dbt.datediff('touchpoints.occurred_date', 'score_dates.score_date', 'day') -%}
with

touchpoints as (

    select * from {{ ref('stg_marketing__touchpoints') }}

),

points as (

    select * from {{ ref('engagement_points') }}

),

sentiments as (

    select * from {{ ref('engagement_sentiment') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

engagement_settings as (

    {{ dimension_settings_row('engagement') }}

),

settings as (

    {{ settings_row([
        'engagement_grace_days', 'engagement_silence_points_per_week', 'engagement_intensity_full_length',
        'engagement_intensity_max_bonus', 'advocacy_window_days'
    ]) }}

),

windowed as (

    select
        touchpoints.customer_id,
        score_dates.score_date,
        touchpoints.touchpoint_kind,
        touchpoints.sentiment,
        {{ age_days }} as age_days,
        coalesce(points.points, 0)
        * coalesce(sentiments.multiplier, 1.0)
        * (
            1.0 + settings.engagement_intensity_max_bonus
            * least(coalesce(touchpoints.detail_length, 0), settings.engagement_intensity_full_length)
            / nullif(settings.engagement_intensity_full_length, 0)
        )
        * {{ decay(age_days, 'engagement_settings.half_life_days') }} as touchpoint_points,
        (
            touchpoints.touchpoint_kind = 'testimonial'
            or (touchpoints.touchpoint_kind = 'spontaneous_feedback' and touchpoints.sentiment = 'liked')
        )
        and {{ age_days }} <= settings.advocacy_window_days as is_advocacy

    from touchpoints
    cross join engagement_settings
    cross join settings
    inner join score_dates
        on
            touchpoints.occurred_date <= score_dates.score_date
            and touchpoints.occurred_date
            > {{ dbt.dateadd(
                'day',
                '-least(engagement_settings.window_days, engagement_settings.freshness_days)',
                'score_dates.score_date'
            ) }}
    left join points
        on touchpoints.touchpoint_kind = points.touchpoint_kind
    left join sentiments
        on coalesce(touchpoints.sentiment, 'unknown') = sentiments.sentiment

),

per_customer as (

    select
        customer_id,
        score_date,
        count(*) as touchpoints,
        {{ exact_sum('touchpoint_points') }} as gross_points,
        min(age_days) as days_since_last_touchpoint,
        bool_or(is_advocacy) as has_advocacy

    from windowed
    group by customer_id, score_date

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        lifecycle.plan,
        engagement_settings.window_days,
        per_customer.touchpoints,
        per_customer.gross_points,
        per_customer.days_since_last_touchpoint,
        cast(floor(
            greatest(per_customer.days_since_last_touchpoint - settings.engagement_grace_days, 0) / 7.0
        ) as integer) as silent_weeks,
        floor(
            greatest(per_customer.days_since_last_touchpoint - settings.engagement_grace_days, 0) / 7.0
        ) * settings.engagement_silence_points_per_week as silence_penalty_points,
        per_customer.gross_points
        - floor(
            greatest(per_customer.days_since_last_touchpoint - settings.engagement_grace_days, 0) / 7.0
        ) * settings.engagement_silence_points_per_week as engagement_net_points,
        per_customer.has_advocacy

    from per_customer
    cross join settings
    cross join engagement_settings
    -- Known customers only: rows of a customer missing from the CRM are reported by
    -- int_quality__findings and never scored.
    inner join lifecycle
        on
            per_customer.customer_id = lifecycle.customer_id
            and per_customer.score_date = lifecycle.score_date

),

{{ dimension_scores('engagement', metrics) }},

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
            dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.engagement_score_raw as engagement_score,
        'engagement: ' || {{ whole_text('metrics.touchpoints') }} || ' touchpoints in the last '
        || {{ whole_text('metrics.window_days') }} || ' days worth '
        || {{ whole_text('metrics.gross_points') }} || ' points after decay, last one '
        || {{ whole_text('metrics.days_since_last_touchpoint') }} || ' days ago'
        || case
            when metrics.silent_weeks > 0
                then ' (' || {{ whole_text('metrics.silent_weeks') }} || ' weeks of silence cost '
                    || {{ whole_text('metrics.silence_penalty_points') }} || ' points)'
            else ''
        end as engagement_detail

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
