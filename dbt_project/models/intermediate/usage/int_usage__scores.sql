{#-
    Product usage and adoption per customer and score date, over the usage window ending on the
    day (`dimension_settings` seed): active days, active users over seats purchased, breadth
    (features used over the features of the plan, `plan_features` seed), depth in the plan's key
    features (events per active user, a percentile within the plan) and the trend in events
    against the window before. A customer with no activity in the last `freshness_days` has no
    row: stale usage is missing, not zero.
-#}
{%- set metrics = dimension_metrics()['usage'] -%}
with

daily_facts as (

    select * from {{ ref('int_usage__daily_facts') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

plan_features_seed as (

    select * from {{ ref('plan_features') }}

),

usage_settings as (

    {{ dimension_settings_row('usage') }}

),

known_plans as (

    select distinct plan from plan_features_seed

),

customer_plans as (

    -- The plan's feature list, or the `default` list for a plan without its own.
    select
        lifecycle.customer_id,
        lifecycle.score_date,
        lifecycle.plan,
        lifecycle.seats_purchased,
        coalesce(known_plans.plan, 'default') as feature_plan

    from lifecycle
    left join known_plans
        on lifecycle.plan = known_plans.plan

),

windowed as (

    select
        score_dates.score_date,
        daily_facts.customer_id,
        daily_facts.activity_date,
        daily_facts.user_id,
        daily_facts.feature,
        daily_facts.event_count,
        usage_settings.window_days,
        daily_facts.activity_date
        > {{ dbt.dateadd('day', '-usage_settings.window_days', 'score_dates.score_date') }}
            as is_current_window,
        daily_facts.activity_date
        > {{ dbt.dateadd('day', '-usage_settings.freshness_days', 'score_dates.score_date') }}
            as is_fresh

    from daily_facts
    cross join usage_settings
    inner join score_dates
        on
            daily_facts.activity_date <= score_dates.score_date
            and daily_facts.activity_date > {{ dbt.dateadd(
                'day',
                '-greatest(2 * usage_settings.window_days, usage_settings.freshness_days)',
                'score_dates.score_date'
            ) }}

),

classified as (

    select
        windowed.*,
        customer_plans.plan,
        customer_plans.seats_purchased,
        customer_plans.feature_plan,
        plan_features_seed.feature is not null as is_plan_feature,
        coalesce(plan_features_seed.is_key_feature, false) as is_key_feature

    from windowed
    inner join customer_plans
        on
            windowed.customer_id = customer_plans.customer_id
            and windowed.score_date = customer_plans.score_date
    left join plan_features_seed
        on
            customer_plans.feature_plan = plan_features_seed.plan
            and windowed.feature = plan_features_seed.feature

),

features_available as (

    select
        plan,
        count(*) as features_available

    from plan_features_seed
    group by plan

),

per_customer as (

    select
        customer_id,
        score_date,
        max(plan) as plan,
        max(feature_plan) as feature_plan,
        max(seats_purchased) as seats_purchased,
        max(window_days) as window_days,
        max(activity_date) as last_activity_date,
        count(distinct case when is_current_window then activity_date end) as active_days,
        count(distinct case when is_current_window then user_id end) as active_users,
        count(distinct case when is_current_window and is_plan_feature then feature end) as features_used,
        sum(case when is_current_window and is_key_feature then event_count else 0 end) as key_feature_events,
        sum(case when is_current_window then event_count else 0 end) as events_current_window,
        sum(
            case
                when not is_current_window
                    and activity_date > {{ dbt.dateadd('day', '-2 * window_days', 'score_date') }}
                    then event_count
                else 0
            end
        ) as events_previous_window

    from classified
    group by customer_id, score_date
    having bool_or(is_fresh)

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        per_customer.plan,
        per_customer.window_days,
        per_customer.last_activity_date,
        per_customer.active_days,
        per_customer.active_users,
        per_customer.seats_purchased,
        per_customer.features_used,
        features_available.features_available,
        per_customer.key_feature_events,
        per_customer.events_current_window,
        per_customer.events_previous_window,
        100.0 * {{ ratio('per_customer.active_users', 'per_customer.seats_purchased') }} as active_user_pct,
        100.0 * {{ ratio('per_customer.features_used', 'features_available.features_available') }}
            as feature_breadth_pct,
        coalesce({{ ratio('per_customer.key_feature_events', 'per_customer.active_users') }}, 0)
            as key_feature_depth,
        100.0 * {{ ratio(
            'per_customer.events_current_window - per_customer.events_previous_window',
            'per_customer.events_previous_window'
        ) }} as events_trend_pct

    from per_customer
    left join features_available
        on per_customer.feature_plan = features_available.plan

),

{{ dimension_scores('usage', metrics) }},

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
            dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.usage_score_raw as usage_score,
        'usage: ' || {{ whole_text('metrics.active_users') }} || ' of '
        || coalesce({{ whole_text('metrics.seats_purchased') }}, '?') || ' seats and '
        || {{ whole_text('metrics.features_used') }} || ' of '
        || coalesce({{ whole_text('metrics.features_available') }}, '?') || ' features used in the last '
        || {{ whole_text('metrics.window_days') }} || ' days'
        || coalesce(
            ', events ' || case when metrics.events_trend_pct < 0 then 'down ' else 'up ' end
            || {{ whole_text('abs(metrics.events_trend_pct)') }} || '% on the window before',
            ''
        ) as usage_detail

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
