{#-
    Product usage and adoption per customer and score date, over the usage window ending on the
    day (`dimension_settings` seed): active days, active users over seats purchased, breadth
    (features used over the features of the plan, `plan_features` seed; for a plan without a list
    of its own, over the features its customers used in the window), depth in the plan's key
    features (events per active user, a percentile within the plan) and the trend in events
    against the window before. A customer with no activity in the last `freshness_days` has no
    row: stale usage is missing, not zero.
    One pass whatever the number of days scored: every fact enters the window on its day and
    leaves it window_days later, and running sums of these changes over each customer's days
    (integer counts, so the order they are added in cannot change them) are the window's totals
    on each day; distinct users and features count runs of activity (a user active again within
    the window stays in one run), which never overlap. A run reads the facts of its days'
    windows only (and of the window before, for the trend); what changed before its first day is
    summed into one opening row, so the running sums go over the run's days and not over the
    window of facts read before them.
-#}
{%- set metrics = dimension_metrics()['usage'] -%}
{#- The days a fact of customer_days leaves the window, and the window before it. -#}
{%- set leaves_window = dbt.dateadd('day', 'usage_settings.window_days', 'customer_days.activity_date') -%}
{%- set leaves_window_before = dbt.dateadd('day', '2 * usage_settings.window_days', 'customer_days.activity_date') -%}
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
    -- or the freshness window when longer. A fact read but outside every window enters and
    -- leaves the rolling sums before any day scored, so it changes nothing.
    select distinct
        cast({{ dbt.dateadd('day', '1 - day_numbers.generated_number', 'score_dates.score_date') }} as date)
            as activity_date

    from score_dates
    cross join usage_settings
    cross join day_numbers
    where day_numbers.generated_number <= greatest(2 * usage_settings.window_days, usage_settings.freshness_days)

),

recent_facts as (

    -- A daily run reads those days of facts, not the whole history: joined on the day, so the
    -- engine skips the rest of a table stored in day order.
    select daily_facts.*

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
    -- The days of this run only, whatever else the lifecycle table holds.
    inner join score_dates
        on lifecycle.score_date = score_dates.score_date
    left join known_plans
        on lifecycle.plan = known_plans.plan

),

customer_plan_set as (

    -- The plans a customer holds on the days scored (one, unless it changed plan): the rolling
    -- sums run once per customer and plan, so breadth and depth count the features of the plan
    -- held on the day.
    select distinct
        customer_id,
        plan,
        feature_plan,
        has_feature_list

    from customer_plans

),

score_bounds as (

    -- Changes dated before the first day scored only add up to its opening totals: they are
    -- summed into one row on the day before it (integers, so in any order), and the running
    -- sums go over the days of the run, not over the window of facts read before it.
    -- Distinct users and features and the key feature events on the days scored count the
    -- activity of their own window only, so they read the facts after first_window_start; the
    -- days before are read for the window before (the trend) and the freshness.
    select
        cast({{ dbt.dateadd('day', '-1', 'min(score_dates.score_date)') }} as date) as opening_date,
        cast({{ dbt.dateadd('day', '-max(usage_settings.window_days)', 'min(score_dates.score_date)') }} as date)
            as first_window_start,
        max(score_dates.score_date) as last_score_date

    from score_dates
    cross join usage_settings

),

customer_days as (

    select
        customer_id,
        activity_date,
        sum(event_count) as event_count

    from recent_facts
    group by customer_id, activity_date

),

user_days as (

    -- A fact per user, day and feature, not a distinct user-day: of a day's rows in the window
    -- below, only the first can start a run (the others follow it on the same day) and only the
    -- last can end one, so the runs are those of the distinct days without sorting them out.
    select
        recent_facts.customer_id,
        recent_facts.user_id,
        recent_facts.activity_date

    from recent_facts
    cross join score_bounds
    where recent_facts.activity_date > score_bounds.first_window_start

),

feature_days as (

    select
        recent_facts.customer_id,
        recent_facts.feature,
        recent_facts.activity_date,
        sum(recent_facts.event_count) as event_count

    from recent_facts
    cross join score_bounds
    where recent_facts.activity_date > score_bounds.first_window_start
    group by recent_facts.customer_id, recent_facts.feature, recent_facts.activity_date

),

{#-
    A user counts as active from an active day until window_days after it. Those spans are
    merged into runs that never overlap, so counting runs is counting distinct users: a run
    starts on an active day with no activity in the window_days before it, and ends window_days
    after an active day with none in the window_days after it. A user active every few days
    makes two changes to the running sums, not two per active day. Features the same way
    (distinct features in the window): `user_runs` and `feature_runs`.
-#}
{% for entity, key in [('user', 'user_id'), ('feature', 'feature')] -%}
    {{ entity }}_activity as (

        select
            customer_id,
            {{ key }},
            activity_date,
            lag(activity_date) over (partition by customer_id, {{ key }} order by activity_date)
                as previous_activity_date,
            lead(activity_date) over (partition by customer_id, {{ key }} order by activity_date)
                as next_activity_date

        from {{ entity }}_days

    ),

    {{ entity }}_runs as (

        select
            {{ entity }}_activity.customer_id,
            {{ entity }}_activity.{{ key }},
            {{ entity }}_activity.activity_date as run_start_date,
            cast({{ dbt.dateadd('day', 'usage_settings.window_days', entity ~ '_activity.activity_date') }} as date)
                as run_end_date,
            coalesce(
                {{ dbt.dateadd('day', 'usage_settings.window_days', entity ~ '_activity.previous_activity_date') }}
                <= {{ entity }}_activity.activity_date,
                true
            ) as starts_run,
            coalesce(
                {{ entity }}_activity.next_activity_date
                >= {{ dbt.dateadd('day', 'usage_settings.window_days', entity ~ '_activity.activity_date') }},
                true
            ) as ends_run

        from {{ entity }}_activity
        cross join usage_settings

    ),

{% endfor -%}
customer_deltas as (

    -- Each fact enters the window on its day and leaves it window_days later (entering the
    -- window before, which it leaves after twice window_days): a running sum of these changes
    -- over the days is the rolling window, in one pass whatever the number of days scored.
    -- Integer counts only, so the sums do not depend on the order they are added in. Only the
    -- changes on the run's days are rows of their own; those before it are the opening row,
    -- the last part below.
    select
        customer_days.customer_id,
        customer_days.activity_date as delta_date,
        1 as active_days_delta,
        customer_days.event_count as events_delta,
        0 as previous_events_delta,
        0 as active_users_delta,
        customer_days.activity_date

    from customer_days
    cross join score_bounds
    where customer_days.activity_date > score_bounds.opening_date

    union all

    select
        customer_days.customer_id,
        cast({{ leaves_window }} as date) as delta_date,
        -1 as active_days_delta,
        -customer_days.event_count as events_delta,
        customer_days.event_count as previous_events_delta,
        0 as active_users_delta,
        cast(null as date) as activity_date

    from customer_days
    cross join usage_settings
    cross join score_bounds
    where
        {{ leaves_window }} > score_bounds.opening_date
        and {{ leaves_window }} <= score_bounds.last_score_date

    union all

    select
        customer_days.customer_id,
        cast({{ leaves_window_before }} as date) as delta_date,
        0 as active_days_delta,
        0 as events_delta,
        -customer_days.event_count as previous_events_delta,
        0 as active_users_delta,
        cast(null as date) as activity_date

    from customer_days
    cross join usage_settings
    cross join score_bounds
    where
        {{ leaves_window_before }} > score_bounds.opening_date
        and {{ leaves_window_before }} <= score_bounds.last_score_date

    union all

    -- The opening row: the windows on the day before the run, counted straight from the days
    -- before it (the changes above that fall on or before it would add up to the same).
    select
        customer_days.customer_id,
        score_bounds.opening_date as delta_date,
        count(
            case
                when {{ leaves_window }} > score_bounds.opening_date
                    then 1
            end
        ) as active_days_delta,
        sum(
            case
                when {{ leaves_window }} > score_bounds.opening_date
                    then customer_days.event_count
                else 0
            end
        ) as events_delta,
        sum(
            case
                when {{ leaves_window }} <= score_bounds.opening_date
                    and {{ leaves_window_before }} > score_bounds.opening_date
                    then customer_days.event_count
                else 0
            end
        ) as previous_events_delta,
        0 as active_users_delta,
        max(customer_days.activity_date) as activity_date

    from customer_days
    cross join usage_settings
    cross join score_bounds
    where customer_days.activity_date <= score_bounds.opening_date
    group by customer_days.customer_id, score_bounds.opening_date

    union all

    -- A run ending on the day the next starts adds -1 and +1 there: no change.
    select
        customer_id,
        run_start_date as delta_date,
        0 as active_days_delta,
        0 as events_delta,
        0 as previous_events_delta,
        1 as active_users_delta,
        cast(null as date) as activity_date

    from user_runs
    where starts_run

    union all

    select
        customer_id,
        run_end_date as delta_date,
        0 as active_days_delta,
        0 as events_delta,
        0 as previous_events_delta,
        -1 as active_users_delta,
        cast(null as date) as activity_date

    from user_runs
    where ends_run

),

counted_features as (

    -- The features that count towards breadth (the plan's, or every one for a plan without a
    -- list) and towards depth (the key features of the plan's list, or of `default`).
    select
        customer_plan_set.customer_id,
        customer_plan_set.plan,
        feature_runs.feature,
        feature_runs.run_start_date,
        feature_runs.run_end_date,
        feature_runs.starts_run,
        feature_runs.ends_run,
        case
            when customer_plan_set.has_feature_list then plan_features_seed.feature is not null
            else true
        end as is_breadth_feature

    from customer_plan_set
    inner join feature_runs
        on customer_plan_set.customer_id = feature_runs.customer_id
    left join plan_features_seed
        on
            customer_plan_set.feature_plan = plan_features_seed.plan
            and feature_runs.feature = plan_features_seed.feature
    where feature_runs.starts_run or feature_runs.ends_run

),

customer_key_features as (

    -- The key features of each customer's plans (distinct, as they are: `plan_features` is
    -- unique by plan and feature). Built apart so that the join below reads the few features of
    -- each customer, not the usage of each key feature in every plan that lists it.
    select distinct
        customer_plan_set.customer_id,
        customer_plan_set.plan,
        plan_features_seed.feature

    from customer_plan_set
    inner join plan_features_seed
        on customer_plan_set.feature_plan = plan_features_seed.plan
    where plan_features_seed.is_key_feature

),

key_feature_days as (

    select
        customer_key_features.customer_id,
        customer_key_features.plan,
        feature_days.activity_date,
        sum(feature_days.event_count) as event_count

    from customer_key_features
    inner join feature_days
        on
            customer_key_features.customer_id = feature_days.customer_id
            and customer_key_features.feature = feature_days.feature
    group by customer_key_features.customer_id, customer_key_features.plan, feature_days.activity_date

),

plan_deltas as (

    select
        customer_plan_set.customer_id,
        customer_plan_set.plan,
        customer_deltas.delta_date,
        customer_deltas.active_days_delta,
        customer_deltas.events_delta,
        customer_deltas.previous_events_delta,
        customer_deltas.active_users_delta,
        0 as features_delta,
        0 as key_events_delta,
        customer_deltas.activity_date

    from customer_plan_set
    inner join customer_deltas
        on customer_plan_set.customer_id = customer_deltas.customer_id

    union all

    select
        customer_id,
        plan,
        run_start_date as delta_date,
        0 as active_days_delta,
        0 as events_delta,
        0 as previous_events_delta,
        0 as active_users_delta,
        1 as features_delta,
        0 as key_events_delta,
        cast(null as date) as activity_date

    from counted_features
    where is_breadth_feature and starts_run

    union all

    select
        customer_id,
        plan,
        run_end_date as delta_date,
        0 as active_days_delta,
        0 as events_delta,
        0 as previous_events_delta,
        0 as active_users_delta,
        -1 as features_delta,
        0 as key_events_delta,
        cast(null as date) as activity_date

    from counted_features
    where is_breadth_feature and ends_run

    union all

    select
        customer_id,
        plan,
        activity_date as delta_date,
        0 as active_days_delta,
        0 as events_delta,
        0 as previous_events_delta,
        0 as active_users_delta,
        0 as features_delta,
        event_count as key_events_delta,
        cast(null as date) as activity_date

    from key_feature_days

    union all

    select
        key_feature_days.customer_id,
        key_feature_days.plan,
        cast({{ dbt.dateadd('day', 'usage_settings.window_days', 'key_feature_days.activity_date') }} as date)
            as delta_date,
        0 as active_days_delta,
        0 as events_delta,
        0 as previous_events_delta,
        0 as active_users_delta,
        0 as features_delta,
        -key_feature_days.event_count as key_events_delta,
        cast(null as date) as activity_date

    from key_feature_days
    cross join usage_settings

),

change_days as (

    -- Only the days with a change: the days scored join them below.
    select
        plan_deltas.customer_id,
        plan_deltas.plan,
        greatest(plan_deltas.delta_date, score_bounds.opening_date) as delta_date,
        sum(plan_deltas.active_days_delta) as active_days_delta,
        sum(plan_deltas.events_delta) as events_delta,
        sum(plan_deltas.previous_events_delta) as previous_events_delta,
        sum(plan_deltas.active_users_delta) as active_users_delta,
        sum(plan_deltas.features_delta) as features_delta,
        sum(plan_deltas.key_events_delta) as key_events_delta,
        max(plan_deltas.activity_date) as activity_date

    from plan_deltas
    cross join score_bounds
    where plan_deltas.delta_date <= score_bounds.last_score_date
    group by
        plan_deltas.customer_id,
        plan_deltas.plan,
        greatest(plan_deltas.delta_date, score_bounds.opening_date)

),

daily_deltas as (

    -- Every day scored has a row to read the running sums on, with or without a change.
    {%- set zero_filled = [] -%}
    {%- for column in ['active_days', 'events', 'previous_events', 'active_users', 'features', 'key_events'] -%}
        {%- do zero_filled.append(column ~ '_delta') -%}
    {%- endfor %}
    {{ days_scored_with_changes(
        'change_days', 'customer_plans', ['customer_id', 'plan'], zero_filled, carried=['activity_date'],
    ) }}

),

rolling as (

    select
        customer_id,
        plan,
        delta_date,
        {% for column in [
            'active_days', 'events', 'previous_events', 'active_users', 'features', 'key_events'
        ] -%}
            sum({{ column }}_delta) over (
                partition by customer_id, plan order by delta_date rows between unbounded preceding and current row
            ) as {{ column }}_rolling,
        {% endfor -%}
        max(activity_date) over (
            partition by customer_id, plan order by delta_date rows between unbounded preceding and current row
        ) as last_activity_date

    from daily_deltas

),

day_totals as (

    -- The running sums on each day scored; the customer is fresh with any activity in the last
    -- freshness_days.
    select
        rolling.customer_id,
        rolling.delta_date as score_date,
        usage_settings.window_days,
        rolling.last_activity_date,
        rolling.active_days_rolling as active_days,
        rolling.events_rolling as events_current_window,
        rolling.previous_events_rolling as events_previous_window,
        rolling.active_users_rolling as active_users,
        rolling.features_rolling as features_used,
        rolling.key_events_rolling as key_feature_events,
        rolling.last_activity_date
        > {{ dbt.dateadd('day', '-usage_settings.freshness_days', 'rolling.delta_date') }} as is_fresh

    from rolling
    cross join usage_settings
    inner join customer_plans
        on
            rolling.customer_id = customer_plans.customer_id
            and rolling.plan = customer_plans.plan
            and rolling.delta_date = customer_plans.score_date

),

features_available as (

    select
        plan,
        count(*) as features_available

    from plan_features_seed
    group by plan

),

unlisted_plan_features as (

    -- A plan without a feature list: the features any of its customers used in the window on the
    -- day (only those customers' facts are joined day by day).
    select distinct
        customer_plans.plan,
        customer_plans.score_date,
        recent_facts.feature

    from customer_plans
    cross join usage_settings
    inner join recent_facts
        on
            customer_plans.customer_id = recent_facts.customer_id
            and customer_plans.score_date >= recent_facts.activity_date
            and {{ dbt.dateadd('day', '-usage_settings.window_days', 'customer_plans.score_date') }}
            < recent_facts.activity_date
    where not customer_plans.has_feature_list

),

plan_catalogues as (

    select
        plan,
        score_date,
        count(*) as features_available

    from unlisted_plan_features
    group by plan, score_date

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
        day_totals.active_users,
        day_totals.features_used,
        day_totals.key_feature_events,
        day_totals.events_current_window,
        day_totals.events_previous_window

    from day_totals
    inner join customer_plans
        on
            day_totals.customer_id = customer_plans.customer_id
            and day_totals.score_date = customer_plans.score_date
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
        dimension_scores.usage_score_raw as usage_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
