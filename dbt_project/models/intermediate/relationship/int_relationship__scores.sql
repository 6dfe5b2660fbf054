{#-
    Relationship per customer in scope (active or churning) on each score date: tenure, renewals
    completed, days left in the current term (risk rises as the end nears) and contraction (MRR
    down against `window_days` earlier, `dimension_settings` seed).
    Upsell rule: an expansion (MRR up, or a new plan at no lower MRR, against the comparison
    day) adds `expansion_bonus_points` only when the engagement sub-score is at or above
    `expansion_min_engagement_score` (health_settings seed): `expansion_status` is `backed`.
    An expansion without that engagement is `not_backed` and neutral (no points either way).
    Expansion and contraction compare like with like: when the currency changed, the earlier
    MRR is converted into the current one through the reporting currency at the `fx_rates` of
    the score date (one rate for both), so a rate move alone is neither, and a renewal in
    another currency at the same value is no expansion. Null when a rate is missing.
    Point in time: the term's end is the one known on the day (`int_customers__lifecycle`: the
    previous term's length, or the end of service once a cancellation is known), the same rule
    for every customer whether or not they cancel later.
-#}
{%- set metrics = dimension_metrics()['relationship'] -%}
{%- set tenure_days = dbt.datediff('in_scope.created_date', 'in_scope.score_date', 'day') -%}
{%- set comparison_date = dbt.dateadd('day', '-relationship_settings.window_days', 'in_scope.score_date') -%}
with

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

engagement_scores as (

    select * from {{ ref('int_engagement__scores') }}

),

fx_rates as (

    select * from {{ ref('int_fx__rates') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

relationship_settings as (

    {{ dimension_settings_row('relationship') }}

),

settings as (

    {{ settings_row(['expansion_min_engagement_score', 'expansion_bonus_points']) }}

),

in_scope as (

    select * from lifecycle
    where lifecycle_status in ('active', 'churning')

),

score_bounds as (

    select
        min(score_date) as first_score_date,
        max(score_date) as last_score_date

    from score_dates

),

-- A customer's subscriptions are joined to each of its days, so only those that can matter to
-- the days of this run are: the run's days are a few of the customer's years of terms.
comparison_subscriptions as (

    -- Those that can cover one of the run's comparison days.
    select subscriptions.*

    from subscriptions
    cross join score_bounds
    cross join relationship_settings
    where
        subscriptions.started_date
        <= {{ dbt.dateadd('day', '-relationship_settings.window_days', 'score_bounds.last_score_date') }}
        and (
            subscriptions.ends_date is null
            or subscriptions.ends_date
            > {{ dbt.dateadd('day', '-relationship_settings.window_days', 'score_bounds.first_score_date') }}
        )

),

renewals_before_run as (

    -- Renewals started before the run's first day count on every day of it.
    select
        subscriptions.customer_id,
        count(*) as renewals_completed

    from subscriptions
    cross join score_bounds
    where subscriptions.is_renewal and subscriptions.started_date < score_bounds.first_score_date
    group by subscriptions.customer_id

),

earlier_subscription as (

    -- The subscription that covered the comparison day, as known on the score date.
    select
        subscriptions.customer_id,
        in_scope.score_date,
        subscriptions.mrr,
        coalesce(subscriptions.currency, '{{ var("reporting_currency") }}') as currency,
        subscriptions.plan,
        row_number() over (
            partition by subscriptions.customer_id, in_scope.score_date
            order by subscriptions.started_date desc, subscriptions.subscription_id desc
        ) as recency_rank

    from comparison_subscriptions as subscriptions
    cross join relationship_settings
    inner join in_scope
        on
            subscriptions.customer_id = in_scope.customer_id
            and subscriptions.started_date <= {{ comparison_date }}
            and (subscriptions.ends_date is null or subscriptions.ends_date > {{ comparison_date }})

),

renewals_in_run as (

    select
        subscriptions.customer_id,
        in_scope.score_date,
        count(*) as renewals_completed

    from subscriptions
    cross join score_bounds
    inner join in_scope
        on
            subscriptions.customer_id = in_scope.customer_id
            and subscriptions.started_date <= in_scope.score_date
    where subscriptions.is_renewal and subscriptions.started_date >= score_bounds.first_score_date
    group by subscriptions.customer_id, in_scope.score_date

),

comparable as (

    -- The earlier MRR in the current subscription's currency, at the score date's rates.
    select
        in_scope.customer_id,
        in_scope.score_date,
        earlier_subscription.plan as comparison_plan,
        case
            when earlier_subscription.currency = coalesce(in_scope.currency, '{{ var("reporting_currency") }}')
                then earlier_subscription.mrr
            else earlier_subscription.mrr * earlier_rate.rate_to_reporting
                / nullif(current_rate.rate_to_reporting, 0)
        end as comparison_mrr

    from in_scope
    inner join earlier_subscription
        on
            in_scope.customer_id = earlier_subscription.customer_id
            and in_scope.score_date = earlier_subscription.score_date
            and earlier_subscription.recency_rank = 1
    left join fx_rates as earlier_rate
        on
            in_scope.score_date = earlier_rate.score_date
            and earlier_subscription.currency = earlier_rate.currency
    left join fx_rates as current_rate
        on
            in_scope.score_date = current_rate.score_date
            and coalesce(in_scope.currency, '{{ var("reporting_currency") }}') = current_rate.currency

),

metrics as (

    select
        in_scope.customer_id,
        in_scope.score_date,
        in_scope.plan,
        relationship_settings.window_days,
        in_scope.mrr,
        comparable.comparison_mrr,
        comparable.comparison_plan,
        {{ tenure_days }} as tenure_days,
        coalesce(renewals_before_run.renewals_completed, 0) + coalesce(renewals_in_run.renewals_completed, 0)
            as renewals_completed,
        {{ dbt.datediff('in_scope.score_date', 'in_scope.current_term_ends_date', 'day') }}
            as days_to_term_end,
        100.0 * {{ ratio('in_scope.mrr - comparable.comparison_mrr', 'comparable.comparison_mrr') }}
            as mrr_change_pct,
        greatest(
            100.0 * {{ ratio('comparable.comparison_mrr - in_scope.mrr', 'comparable.comparison_mrr') }}, 0
        ) as contraction_pct,
        coalesce(
            in_scope.mrr > comparable.comparison_mrr
            or (in_scope.plan <> comparable.comparison_plan and in_scope.mrr >= comparable.comparison_mrr),
            false
        ) as has_expansion

    from in_scope
    cross join relationship_settings
    left join comparable
        on
            in_scope.customer_id = comparable.customer_id
            and in_scope.score_date = comparable.score_date
    left join renewals_before_run
        on in_scope.customer_id = renewals_before_run.customer_id
    left join renewals_in_run
        on
            in_scope.customer_id = renewals_in_run.customer_id
            and in_scope.score_date = renewals_in_run.score_date

),

{{ dimension_scores('relationship', metrics) }},

upsell as (

    select
        metrics.customer_id,
        metrics.score_date,
        engagement_scores.engagement_score,
        case
            when not metrics.has_expansion then 'none'
            when engagement_scores.engagement_score >= settings.expansion_min_engagement_score then 'backed'
            else 'not_backed'
        end as expansion_status,
        settings.expansion_bonus_points

    from metrics
    cross join settings
    left join engagement_scores
        on
            metrics.customer_id = engagement_scores.customer_id
            and metrics.score_date = engagement_scores.score_date

),

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
            dimension_scores.{{ metric }}_score,
        {% endfor -%}
        upsell.expansion_status,
        case when upsell.expansion_status = 'backed' then upsell.expansion_bonus_points else 0 end
            as expansion_bonus_points,
        dimension_scores.relationship_score_raw,
        {{ clamp(
            'dimension_scores.relationship_score_raw + case when upsell.expansion_status = \'backed\''
            ~ ' then upsell.expansion_bonus_points else 0 end'
        ) }} as relationship_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date
    inner join upsell
        on
            metrics.customer_id = upsell.customer_id
            and metrics.score_date = upsell.score_date

)

select * from final
