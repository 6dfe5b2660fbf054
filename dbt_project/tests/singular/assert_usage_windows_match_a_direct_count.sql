{{ config(meta={'dagster': {'ref': {'name': 'int_usage__scores'}}}) }}
-- The rolling usage windows of int_usage__scores (running sums of changes, distinct users and
-- features as merged runs of activity) against a direct count of the daily facts in each
-- window: active days, events in the window and the window before, distinct users, distinct
-- breadth features and the last active day (within the facts the model reads). Checked on every 14th day (counted from
-- 1970-01-01), so that the join of each day to its windows stays small.
with

scores as (

    select * from {{ ref('int_usage__scores') }}

),

daily_facts as (

    select * from {{ ref('int_usage__daily_facts') }}

),

plan_features as (

    select * from {{ ref('plan_features') }}

),

usage_settings as (

    {{ dimension_settings_row('usage') }}

),

checked_days as (

    select
        customer_id,
        score_date,
        plan,
        window_days,
        active_days,
        events_current_window,
        events_previous_window,
        active_users,
        features_used,
        last_activity_date

    from scores
    where mod({{ dbt.datediff("cast('1970-01-01' as date)", 'score_date', 'day') }}, 14) = 0

),

known_plans as (

    select distinct plan from plan_features

),

window_facts as (

    select
        checked_days.customer_id,
        checked_days.score_date,
        daily_facts.activity_date,
        daily_facts.user_id,
        daily_facts.event_count,
        daily_facts.activity_date
        > {{ dbt.dateadd('day', '-checked_days.window_days', 'checked_days.score_date') }} as is_current,
        daily_facts.activity_date
        > {{ dbt.dateadd('day', '-2 * checked_days.window_days', 'checked_days.score_date') }}
        and daily_facts.activity_date
        <= {{ dbt.dateadd('day', '-checked_days.window_days', 'checked_days.score_date') }} as is_previous,
        case
            when known_plans.plan is null or plan_features.feature is not null then daily_facts.feature
        end as breadth_feature

    from checked_days
    cross join usage_settings
    -- The facts the model reads for the day: both windows, or the freshness window when longer.
    inner join daily_facts
        on
            checked_days.customer_id = daily_facts.customer_id
            and checked_days.score_date >= daily_facts.activity_date
            and {{ dbt.dateadd(
                'day',
                '-greatest(2 * usage_settings.window_days, usage_settings.freshness_days)',
                'checked_days.score_date'
            ) }} < daily_facts.activity_date
    left join known_plans
        on checked_days.plan = known_plans.plan
    left join plan_features
        on
            checked_days.plan = plan_features.plan
            and daily_facts.feature = plan_features.feature

),

direct as (

    select
        customer_id,
        score_date,
        count(distinct case when is_current then activity_date end) as active_days,
        sum(case when is_current then event_count else 0 end) as events_current_window,
        sum(case when is_previous then event_count else 0 end) as events_previous_window,
        count(distinct case when is_current then user_id end) as active_users,
        count(distinct case when is_current then breadth_feature end) as features_used,
        max(activity_date) as last_activity_date

    from window_facts
    group by customer_id, score_date

)

select
    checked_days.customer_id,
    checked_days.score_date,
    checked_days.active_days,
    direct.active_days as direct_active_days,
    checked_days.events_current_window,
    direct.events_current_window as direct_events_current_window,
    checked_days.events_previous_window,
    direct.events_previous_window as direct_events_previous_window,
    checked_days.active_users,
    direct.active_users as direct_active_users,
    checked_days.features_used,
    direct.features_used as direct_features_used,
    checked_days.last_activity_date,
    direct.last_activity_date as direct_last_activity_date

from checked_days
left join direct
    on
        checked_days.customer_id = direct.customer_id
        and checked_days.score_date = direct.score_date
where
    direct.customer_id is null
    or checked_days.active_days != direct.active_days
    or checked_days.events_current_window != direct.events_current_window
    or checked_days.events_previous_window != direct.events_previous_window
    or checked_days.active_users != direct.active_users
    or checked_days.features_used != direct.features_used
    or checked_days.last_activity_date != direct.last_activity_date
