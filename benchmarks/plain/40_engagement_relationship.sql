-- Engagement over a dense customer-day spine. The decayed sum needs no join per day: with an
-- anchor day a, 0.5^((D - d) / h) = 0.5^((D - a) / h) * 2^((d - a) / h), so a rolling sum of
-- points * 2^((d - a) / h) over the window, times 0.5^((D - a) / h), is the decayed sum on D.
-- The latest touchpoint day is decayed directly, so a lone touchpoint's points are exact (as
-- the dbt model's per-row decay gives them): 0.5 points today are 0.5, not 0.49999999.
create or replace temp table engagement_daily as
with touchpoint_points as (
    select
        touchpoints.customer_id,
        touchpoints.occurred_date,
        touchpoints.touchpoint_kind,
        touchpoints.sentiment,
        coalesce(points.points, 0)
        * coalesce(sentiments.multiplier, 1.0)
        * (
            1.0 + settings.engagement_intensity_max_bonus
            * least(coalesce(touchpoints.detail_length, 0), settings.engagement_intensity_full_length)
            / nullif(settings.engagement_intensity_full_length, 0)
        ) as points
    from stg_touchpoints as touchpoints
    cross join settings
    left join seed_engagement_points as points
        on touchpoints.touchpoint_kind = points.touchpoint_kind
    left join seed_engagement_sentiment as sentiments
        on coalesce(touchpoints.sentiment, 'unknown') = sentiments.sentiment
    where
        touchpoints.occurred_date > cast('${engagement_anchor_date}' as date)
        and touchpoints.occurred_date <= cast('${last_date}' as date)
)

select
    customer_id,
    occurred_date,
    count(*) as touchpoints,
    sum(points) as raw_points,
    sum(
        points
        * coalesce(
            power(2.0, cast(date_diff('day', cast('${engagement_anchor_date}' as date), occurred_date) as double)
            / nullif(${engagement_half_life_days}, 0)),
            1.0
        )
    ) as anchored_points,
    bool_or(
        touchpoint_kind = 'testimonial'
        or (touchpoint_kind = 'spontaneous_feedback' and sentiment = 'liked')
    ) as has_advocacy_touchpoint
from touchpoint_points
group by customer_id, occurred_date;

create or replace temp table engagement_metrics as
with spine as (
    select
        customers.customer_id,
        cast(days.day as date) as score_date,
        daily.touchpoints,
        daily.anchored_points,
        daily.raw_points,
        case when daily.touchpoints > 0 then cast(days.day as date) end as touchpoint_date,
        case when daily.has_advocacy_touchpoint then cast(days.day as date) end as advocacy_date
    from (select distinct customer_id from engagement_daily) as customers
    cross join generate_series(
        cast(cast('${engagement_anchor_date}' as date) + 1 as timestamp),
        cast('${last_date}' as timestamp),
        interval 1 day
    ) as days (day)
    left join engagement_daily as daily
        on customers.customer_id = daily.customer_id and cast(days.day as date) = daily.occurred_date
),

windowed as (
    select
        customer_id,
        score_date,
        coalesce(sum(touchpoints) over w, 0) as touchpoints,
        arg_max(raw_points, touchpoint_date) over w
        * coalesce(
            power(0.5, cast(date_diff('day', max(touchpoint_date) over w, score_date) as double)
            / nullif(${engagement_half_life_days}, 0)),
            1.0
        )
        + (sum(anchored_points) over w - arg_max(anchored_points, touchpoint_date) over w)
        * coalesce(
            power(0.5, cast(date_diff('day', cast('${engagement_anchor_date}' as date), score_date) as double)
            / nullif(${engagement_half_life_days}, 0)),
            1.0
        ) as gross_points,
        date_diff('day', max(touchpoint_date) over w, score_date) as days_since_last_touchpoint,
        date_diff('day', max(advocacy_date) over w, score_date) as days_since_advocacy
    from spine
    window w as (partition by customer_id order by score_date rows between ${engagement_window_minus_1} preceding and current row)
),

per_customer as (
    select
        windowed.*,
        coalesce(windowed.days_since_advocacy <= settings.advocacy_window_days, false) as has_advocacy
    from windowed
    cross join settings
    where windowed.score_date >= cast('${first_date}' as date) and windowed.touchpoints > 0
)

select
    per_customer.customer_id,
    per_customer.score_date,
    lifecycle.plan,
    ${engagement_window_days} as window_days,
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
inner join lifecycle
    on per_customer.customer_id = lifecycle.customer_id and per_customer.score_date = lifecycle.score_date;

drop table temp.main.engagement_daily;

-- Relationship: per customer in scope; the few subscriptions of a customer are joined directly.
create or replace temp table relationship_metrics as
with in_scope as (
    select * from lifecycle where lifecycle_status in ('active', 'churning')
),

earlier_subscription as (
    select
        subs.customer_id,
        in_scope.score_date,
        subs.mrr,
        coalesce(subs.currency, '${reporting_currency}') as currency,
        subs.plan
    from stg_subscriptions as subs
    inner join in_scope
        on
            subs.customer_id = in_scope.customer_id
            and subs.started_date <= in_scope.score_date - ${relationship_window_days}
            and (subs.ends_date is null or subs.ends_date > in_scope.score_date - ${relationship_window_days})
    qualify row_number() over (
        partition by subs.customer_id, in_scope.score_date order by subs.started_date desc, subs.subscription_id desc
    ) = 1
),

renewals as (
    select
        subs.customer_id,
        in_scope.score_date,
        count(*) as renewals_completed
    from stg_subscriptions as subs
    inner join in_scope
        on subs.customer_id = in_scope.customer_id and subs.started_date <= in_scope.score_date
    where subs.is_renewal
    group by all
),

comparable as (
    select
        in_scope.customer_id,
        in_scope.score_date,
        earlier.plan as comparison_plan,
        case
            when earlier.currency = coalesce(in_scope.currency, '${reporting_currency}') then earlier.mrr
            else earlier.mrr * earlier_rate.rate_to_reporting / nullif(current_rate.rate_to_reporting, 0)
        end as comparison_mrr
    from in_scope
    inner join earlier_subscription as earlier
        on in_scope.customer_id = earlier.customer_id and in_scope.score_date = earlier.score_date
    left join fx_rates as earlier_rate
        on in_scope.score_date = earlier_rate.score_date and earlier.currency = earlier_rate.currency
    left join fx_rates as current_rate
        on
            in_scope.score_date = current_rate.score_date
            and coalesce(in_scope.currency, '${reporting_currency}') = current_rate.currency
)

select
    in_scope.customer_id,
    in_scope.score_date,
    in_scope.plan,
    ${relationship_window_days} as window_days,
    date_diff('day', in_scope.created_date, in_scope.score_date) as tenure_days,
    coalesce(renewals.renewals_completed, 0) as renewals_completed,
    date_diff('day', in_scope.score_date, in_scope.current_term_ends_date) as days_to_term_end,
    greatest(
        100.0 * (cast(comparable.comparison_mrr - in_scope.mrr as double) / nullif(cast(comparable.comparison_mrr as double), 0)),
        0
    ) as contraction_pct,
    coalesce(
        in_scope.mrr > comparable.comparison_mrr
        or (in_scope.plan <> comparable.comparison_plan and in_scope.mrr >= comparable.comparison_mrr),
        false
    ) as has_expansion
from in_scope
left join comparable
    on in_scope.customer_id = comparable.customer_id and in_scope.score_date = comparable.score_date
left join renewals
    on in_scope.customer_id = renewals.customer_id and in_scope.score_date = renewals.score_date;
