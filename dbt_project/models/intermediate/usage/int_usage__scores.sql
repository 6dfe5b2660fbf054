{#-
    Product usage and adoption per customer and score date, over the usage window ending on the
    day (`dimension_settings` seed): active days, active users over seats purchased, breadth
    (features used over the features of the plan, `plan_features` seed; for a plan without a list
    of its own, over the features its customers used in the window), depth in the plan's key
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

day_numbers as (

    -- Windows are at most 366 days (a test on the dimension_settings seed), so a score date
    -- looks back at most 732 days.
    {{ dbt.generate_series(732) }}

),

fact_days as (

    -- Every day a score date of this run looks back to: the usage window and the one before it,
    -- or the freshness window when longer. Users and features count in the window only.
    select
        cast({{ dbt.dateadd('day', '1 - day_numbers.generated_number', 'score_dates.score_date') }} as date)
            as activity_date,
        bool_or(day_numbers.generated_number <= usage_settings.window_days) as is_in_window

    from score_dates
    cross join usage_settings
    cross join day_numbers
    where day_numbers.generated_number <= greatest(2 * usage_settings.window_days, usage_settings.freshness_days)
    group by cast({{ dbt.dateadd('day', '1 - day_numbers.generated_number', 'score_dates.score_date') }} as date)

),

recent_facts as (

    -- A daily run reads those days of facts, not the whole history: joined on the day, so the
    -- engine skips the rest of a table stored in day order.
    select
        daily_facts.*,
        fact_days.is_in_window

    from daily_facts
    inner join fact_days
        on daily_facts.activity_date = fact_days.activity_date

),

known_plans as (

    select distinct plan from plan_features_seed

),

customer_plans as (

    -- The plan's feature list; a plan without its own takes its key features from the
    -- `default` list, and its breadth from the features its customers use (plan_catalogues).
    select
        lifecycle.customer_id,
        lifecycle.score_date,
        lifecycle.plan,
        lifecycle.seats_purchased,
        coalesce(known_plans.plan, 'default') as feature_plan,
        known_plans.plan is not null as has_feature_list

    from lifecycle
    left join known_plans
        on lifecycle.plan = known_plans.plan

),

customer_days as (

    select
        customer_id,
        activity_date,
        sum(event_count) as event_count

    from recent_facts
    group by customer_id, activity_date

),

feature_days as (

    select
        customer_id,
        activity_date,
        feature,
        sum(event_count) as event_count

    from recent_facts
    where is_in_window
    group by customer_id, activity_date, feature

),

user_days as (

    select distinct
        customer_id,
        user_id,
        activity_date

    from recent_facts
    where is_in_window

),

user_spans as (

    -- A user counts as active on the score dates from an active day until the window ends or the
    -- next active day starts: the spans of a user never overlap, so counting them is distinct.
    select
        user_days.customer_id,
        user_days.user_id,
        user_days.activity_date as span_start_date,
        least(
            coalesce(
                lead(user_days.activity_date) over (
                    partition by user_days.customer_id, user_days.user_id order by user_days.activity_date
                ),
                cast('9999-12-31' as date)
            ),
            cast({{ dbt.dateadd('day', 'usage_settings.window_days', 'user_days.activity_date') }} as date)
        ) as span_end_date

    from user_days
    cross join usage_settings

),

active_users as (

    select
        user_spans.customer_id,
        score_dates.score_date,
        count(*) as active_users

    from user_spans
    inner join score_dates
        on
            user_spans.span_start_date <= score_dates.score_date
            and user_spans.span_end_date > score_dates.score_date
    group by user_spans.customer_id, score_dates.score_date

),

day_totals as (

    -- Days and events in the window and the one before; the customer is fresh with any activity
    -- in the last freshness_days.
    select
        customer_days.customer_id,
        score_dates.score_date,
        max(usage_settings.window_days) as window_days,
        max(customer_days.activity_date) as last_activity_date,
        count(
            case
                when customer_days.activity_date
                    > {{ dbt.dateadd('day', '-usage_settings.window_days', 'score_dates.score_date') }}
                    then 1
            end
        ) as active_days,
        sum(
            case
                when customer_days.activity_date
                    > {{ dbt.dateadd('day', '-usage_settings.window_days', 'score_dates.score_date') }}
                    then customer_days.event_count
                else 0
            end
        ) as events_current_window,
        sum(
            case
                when customer_days.activity_date
                    <= {{ dbt.dateadd('day', '-usage_settings.window_days', 'score_dates.score_date') }}
                    and customer_days.activity_date
                    > {{ dbt.dateadd('day', '-2 * usage_settings.window_days', 'score_dates.score_date') }}
                    then customer_days.event_count
                else 0
            end
        ) as events_previous_window,
        bool_or(
            customer_days.activity_date
            > {{ dbt.dateadd('day', '-usage_settings.freshness_days', 'score_dates.score_date') }}
        ) as is_fresh

    from customer_days
    cross join usage_settings
    inner join score_dates
        on
            customer_days.activity_date <= score_dates.score_date
            and customer_days.activity_date > {{ dbt.dateadd(
                'day',
                '-greatest(2 * usage_settings.window_days, usage_settings.freshness_days)',
                'score_dates.score_date'
            ) }}
    group by customer_days.customer_id, score_dates.score_date

),

feature_windows as (

    select
        feature_days.customer_id,
        score_dates.score_date,
        feature_days.feature,
        sum(feature_days.event_count) as event_count

    from feature_days
    cross join usage_settings
    inner join score_dates
        on
            feature_days.activity_date <= score_dates.score_date
            and feature_days.activity_date
            > {{ dbt.dateadd('day', '-usage_settings.window_days', 'score_dates.score_date') }}
    group by feature_days.customer_id, score_dates.score_date, feature_days.feature

),

feature_totals as (

    -- Only the plan's features count towards breadth (every feature used, for a plan without a
    -- list); its key features towards depth.
    select
        feature_windows.customer_id,
        feature_windows.score_date,
        count(
            case when customer_plans.has_feature_list then plan_features_seed.feature else feature_windows.feature end
        ) as features_used,
        sum(case when plan_features_seed.is_key_feature then feature_windows.event_count else 0 end)
            as key_feature_events

    from feature_windows
    inner join customer_plans
        on
            feature_windows.customer_id = customer_plans.customer_id
            and feature_windows.score_date = customer_plans.score_date
    left join plan_features_seed
        on
            customer_plans.feature_plan = plan_features_seed.plan
            and feature_windows.feature = plan_features_seed.feature
    group by feature_windows.customer_id, feature_windows.score_date

),

features_available as (

    select
        plan,
        count(*) as features_available

    from plan_features_seed
    group by plan

),

plan_catalogues as (

    -- A plan without a feature list: the features any of its customers used in the window.
    select
        customer_plans.plan,
        feature_windows.score_date,
        count(distinct feature_windows.feature) as features_available

    from feature_windows
    inner join customer_plans
        on
            feature_windows.customer_id = customer_plans.customer_id
            and feature_windows.score_date = customer_plans.score_date
    where not customer_plans.has_feature_list
    group by customer_plans.plan, feature_windows.score_date

),

per_customer as (

    select
        day_totals.customer_id,
        day_totals.score_date,
        customer_plans.plan,
        customer_plans.feature_plan,
        customer_plans.has_feature_list,
        customer_plans.seats_purchased,
        day_totals.window_days,
        day_totals.last_activity_date,
        day_totals.active_days,
        coalesce(active_users.active_users, 0) as active_users,
        coalesce(feature_totals.features_used, 0) as features_used,
        coalesce(feature_totals.key_feature_events, 0) as key_feature_events,
        day_totals.events_current_window,
        day_totals.events_previous_window

    from day_totals
    inner join customer_plans
        on
            day_totals.customer_id = customer_plans.customer_id
            and day_totals.score_date = customer_plans.score_date
    left join active_users
        on
            day_totals.customer_id = active_users.customer_id
            and day_totals.score_date = active_users.score_date
    left join feature_totals
        on
            day_totals.customer_id = feature_totals.customer_id
            and day_totals.score_date = feature_totals.score_date
    where day_totals.is_fresh

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
        coalesce(features_available.features_available, plan_catalogues.features_available)
            as features_available,
        per_customer.key_feature_events,
        per_customer.events_current_window,
        per_customer.events_previous_window,
        100.0 * {{ ratio('per_customer.active_users', 'per_customer.seats_purchased') }} as active_user_pct,
        100.0 * {{ ratio(
            'per_customer.features_used',
            'coalesce(features_available.features_available, plan_catalogues.features_available)'
        ) }} as feature_breadth_pct,
        coalesce({{ ratio('per_customer.key_feature_events', 'per_customer.active_users') }}, 0)
            as key_feature_depth,
        100.0 * {{ ratio(
            'per_customer.events_current_window - per_customer.events_previous_window',
            'per_customer.events_previous_window'
        ) }} as events_trend_pct

    from per_customer
    left join features_available
        on
            per_customer.feature_plan = features_available.plan
            and per_customer.has_feature_list
    left join plan_catalogues
        on
            per_customer.plan = plan_catalogues.plan
            and per_customer.score_date = plan_catalogues.score_date
            and not per_customer.has_feature_list

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
