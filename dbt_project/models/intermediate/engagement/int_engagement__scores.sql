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
    One pass whatever the number of days scored: the decayed points are a running sum over each
    customer's days of points grown from the first day scored (2^(days after it / half-life)),
    decayed back to each day and rounded (rescaled_sum_decimals); touchpoints enter the window on
    their day and leave it when older than the window. A run reads its days' windows only; what
    changed before its first day is summed (exactly) into one opening row, so the running sums
    go over the run's days and not over the 180 days of window read before them.
-#}
{%- set metrics = dimension_metrics()['engagement'] -%}
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

bounds as (

    -- The decayed sums are kept relative to the first day scored (their anchor), then rescaled
    -- to each day: a running sum over the days instead of a join of every day to its window.
    select
        min(score_date) as first_score_date,
        cast({{ dbt.dateadd('day', '-1', 'min(score_date)') }} as date) as opening_date,
        max(score_date) as last_score_date

    from score_dates

),

recent_touchpoints as (

    -- A run reads the touchpoints of its days' windows only.
    select
        touchpoints.customer_id,
        touchpoints.occurred_date,
        touchpoints.touchpoint_kind = 'spontaneous_feedback' and touchpoints.sentiment is null
            as is_advocacy_unknown,
        touchpoints.touchpoint_kind = 'testimonial'
        or (touchpoints.touchpoint_kind = 'spontaneous_feedback' and touchpoints.sentiment = 'liked')
            as is_advocacy_kind,
        coalesce(points.points, 0)
        * coalesce(sentiments.multiplier, 1.0)
        * (
            1.0 + settings.engagement_intensity_max_bonus
            * least(coalesce(touchpoints.detail_length, 0), settings.engagement_intensity_full_length)
            / nullif(settings.engagement_intensity_full_length, 0)
        ) as undecayed_points

    from touchpoints
    cross join bounds
    cross join engagement_settings
    cross join settings
    left join points
        on touchpoints.touchpoint_kind = points.touchpoint_kind
    left join sentiments
        on coalesce(touchpoints.sentiment, 'unknown') = sentiments.sentiment
    where
        touchpoints.occurred_date <= bounds.last_score_date
        and touchpoints.occurred_date
        > {{ dbt.dateadd(
            'day',
            '-least(engagement_settings.window_days, engagement_settings.freshness_days)',
            'bounds.first_score_date'
        ) }}

),

touchpoint_days as (

    -- One row per customer and day; a day's points decay together, so they are summed exactly
    -- (a decimal sum) and then grown from the anchor: 2^(days after the anchor / half-life).
    select
        recent_touchpoints.customer_id,
        recent_touchpoints.occurred_date,
        count(*) as touchpoints,
        count(case when recent_touchpoints.is_advocacy_unknown then 1 end) as advocacy_unknown_touchpoints,
        max(case when recent_touchpoints.is_advocacy_kind then recent_touchpoints.occurred_date end)
            as advocacy_date,
        {{ exact_sum('recent_touchpoints.undecayed_points') }}
        * {{ decay(
            dbt.datediff('recent_touchpoints.occurred_date', 'bounds.first_score_date', 'day'),
            'max(engagement_settings.half_life_days)'
        ) }} as anchored_points

    from recent_touchpoints
    cross join bounds
    cross join engagement_settings
    group by recent_touchpoints.customer_id, recent_touchpoints.occurred_date, bounds.first_score_date

),

deltas as (

    -- A day's touchpoints enter the window on the day and leave it when they are older than
    -- the window (the advocacy window for advocacy). Entering and leaving points are kept apart
    -- so that no day adds more than one of them in an order that could vary.
    select
        customer_id,
        occurred_date as delta_date,
        touchpoints as touchpoints_delta,
        advocacy_unknown_touchpoints as advocacy_unknown_delta,
        anchored_points as entering_points,
        cast(null as double) as leaving_points,
        occurred_date as touchpoint_date,
        advocacy_date

    from touchpoint_days

    union all

    select
        touchpoint_days.customer_id,
        cast({{ dbt.dateadd(
            'day',
            'least(engagement_settings.window_days, engagement_settings.freshness_days)',
            'touchpoint_days.occurred_date'
        ) }} as date) as delta_date,
        -touchpoint_days.touchpoints as touchpoints_delta,
        0 as advocacy_unknown_delta,
        cast(null as double) as entering_points,
        touchpoint_days.anchored_points as leaving_points,
        cast(null as date) as touchpoint_date,
        cast(null as date) as advocacy_date

    from touchpoint_days
    cross join engagement_settings

    union all

    select
        touchpoint_days.customer_id,
        cast({{ dbt.dateadd(
            'day',
            'least(engagement_settings.window_days, engagement_settings.freshness_days, '
            ~ 'settings.advocacy_window_days + 1)',
            'touchpoint_days.occurred_date'
        ) }} as date) as delta_date,
        0 as touchpoints_delta,
        -touchpoint_days.advocacy_unknown_touchpoints as advocacy_unknown_delta,
        cast(null as double) as entering_points,
        cast(null as double) as leaving_points,
        cast(null as date) as touchpoint_date,
        cast(null as date) as advocacy_date

    from touchpoint_days
    cross join engagement_settings
    cross join settings

),

change_days as (

    -- The changes dated before the first day scored only add up to its opening totals: they
    -- are summed into one row on the day before it (the points exactly, as a decimal, so in
    -- any order), and the running sums go over the days of the run, not over the window of
    -- touchpoints read before it. Only the days with a change: the days scored join them below.
    select
        deltas.customer_id,
        greatest(deltas.delta_date, bounds.opening_date) as delta_date,
        sum(deltas.touchpoints_delta) as touchpoints_delta,
        sum(deltas.advocacy_unknown_delta) as advocacy_unknown_delta,
        {{ net_delta(
            'deltas.entering_points',
            'deltas.leaving_points',
            'greatest(deltas.delta_date, bounds.opening_date) = bounds.opening_date',
        ) }} as points_delta,
        max(deltas.touchpoint_date) as touchpoint_date,
        max(deltas.advocacy_date) as advocacy_date

    from deltas
    cross join bounds
    where deltas.delta_date <= bounds.last_score_date
    group by deltas.customer_id, greatest(deltas.delta_date, bounds.opening_date), bounds.opening_date

),

score_days as (

    select
        lifecycle.customer_id,
        lifecycle.score_date

    from lifecycle
    inner join score_dates
        on lifecycle.score_date = score_dates.score_date

),

daily_deltas as (

    -- Every day scored has a row to read the running sums on, with or without a change.
    {%- set zero_filled = ['touchpoints_delta', 'advocacy_unknown_delta', 'points_delta'] %}
    {{ days_scored_with_changes(
        'change_days', 'score_days', ['customer_id'], zero_filled, carried=['touchpoint_date', 'advocacy_date'],
    ) }}

),

rolling as (

    -- Summed in date order (a total order), so the doubles add up the same way on every run.
    select
        customer_id,
        delta_date,
        sum(touchpoints_delta) over (
            partition by customer_id order by delta_date rows between unbounded preceding and current row
        ) as touchpoints,
        sum(advocacy_unknown_delta) over (
            partition by customer_id order by delta_date rows between unbounded preceding and current row
        ) as advocacy_unknown_touchpoints,
        sum(points_delta) over (
            partition by customer_id order by delta_date rows between unbounded preceding and current row
        ) as anchored_points,
        max(touchpoint_date) over (
            partition by customer_id order by delta_date rows between unbounded preceding and current row
        ) as last_touchpoint_date,
        max(advocacy_date) over (
            partition by customer_id order by delta_date rows between unbounded preceding and current row
        ) as last_advocacy_date

    from daily_deltas

),

per_customer as (

    select
        rolling.customer_id,
        rolling.delta_date as score_date,
        rolling.touchpoints,
        -- Rounded: growing from the anchor and decaying back leaves the last bits uncertain (a
        -- touchpoint worth 0.5 must not read 0.49999999999999994 and round down in the detail).
        round(
            rolling.anchored_points
            * {{ decay(
                dbt.datediff('bounds.first_score_date', 'rolling.delta_date', 'day'),
                'engagement_settings.half_life_days'
            ) }},
            {{ rescaled_sum_decimals() }}
        ) as gross_points,
        {{ dbt.datediff('rolling.last_touchpoint_date', 'rolling.delta_date', 'day') }}
            as days_since_last_touchpoint,
        -- As a bool_or over the window's touchpoints: true with an advocacy touchpoint in the
        -- advocacy window, unknown when every touchpoint is feedback without a sentiment.
        case
            when
                rolling.last_advocacy_date
                >= {{ dbt.dateadd('day', '-settings.advocacy_window_days', 'rolling.delta_date') }}
                and rolling.last_advocacy_date
                > {{ dbt.dateadd(
                    'day',
                    '-least(engagement_settings.window_days, engagement_settings.freshness_days)',
                    'rolling.delta_date'
                ) }}
                then true
            when rolling.touchpoints > rolling.advocacy_unknown_touchpoints then false
        end as has_advocacy

    from rolling
    cross join bounds
    cross join engagement_settings
    cross join settings
    inner join score_dates
        on rolling.delta_date = score_dates.score_date
    where rolling.touchpoints > 0

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
        dimension_scores.engagement_score_raw as engagement_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
