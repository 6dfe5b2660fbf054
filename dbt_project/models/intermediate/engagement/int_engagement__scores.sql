{#-
    Engagement per customer and score date over the engagement window ending on the day: each
    touchpoint earns the points of its kind (`engagement_points` seed), times its sentiment
    multiplier (`engagement_sentiment`; a wasted_time touchpoint subtracts), times an intensity
    bonus for a long comment, decayed by age with the `engagement_half_life_days` var.
    A customer with no touchpoint in the window has no row.
-#}
{%- set metrics = ['engagement_points', 'days_since_last_touchpoint'] -%}
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

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

windowed as (

    select
        touchpoints.customer_id,
        score_dates.score_date,
        coalesce(points.points, 0)
        * coalesce(sentiments.multiplier, 1.0)
        -- A comment of 500 characters or more doubles the touchpoint's weight.
        * (1.0 + least(coalesce(touchpoints.detail_length, 0), 500) / 500.0)
        * {{ decay(age_days, var('engagement_half_life_days')) }} as touchpoint_points,
        {{ age_days }} as age_days

    from touchpoints
    inner join score_dates
        on
            touchpoints.occurred_date <= score_dates.score_date
            and touchpoints.occurred_date
            > {{ dbt.dateadd('day', -var('engagement_window_days'), 'score_dates.score_date') }}
    left join points
        on touchpoints.touchpoint_kind = points.touchpoint_kind
    left join sentiments
        on coalesce(touchpoints.sentiment, 'unknown') = sentiments.sentiment

),

metrics as (

    select
        customer_id,
        score_date,
        count(*) as touchpoints,
        sum(touchpoint_points) as engagement_points,
        min(age_days) as days_since_last_touchpoint

    from windowed
    group by customer_id, score_date

),

{{ dimension_scores('engagement', metrics) }},

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
        dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.engagement_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
