-- Usage over a dense customer-day spine with window frames: one pass, whatever the days scored.
create or replace temp table usage_customer_days as
select
    customer_id,
    activity_date,
    sum(event_count) as event_count
from daily_facts
group by all;

-- Spans: a user (a feature) counts on the days from an active day until the next active day or
-- the window's end, so spans never overlap and a running sum of +1/-1 counts them distinctly.
create or replace temp table usage_user_deltas as
with user_days as (
    select distinct customer_id, user_id, activity_date from daily_facts
),

spans as (
    select
        customer_id,
        activity_date as span_start_date,
        least(
            coalesce(lead(activity_date) over (partition by customer_id, user_id order by activity_date), date '9999-12-31'),
            activity_date + ${usage_window_days}
        ) as span_end_date
    from user_days
)

select customer_id, day, sum(delta) as delta
from (
    select customer_id, span_start_date as day, 1 as delta from spans
    union all
    select customer_id, span_end_date as day, -1 as delta from spans
)
group by all;

create or replace temp table usage_feature_spans as
with feature_days as (
    select customer_id, feature, activity_date, sum(event_count) as event_count
    from daily_facts
    group by all
)

select
    customer_id,
    feature,
    activity_date as span_start_date,
    least(
        coalesce(lead(activity_date) over (partition by customer_id, feature order by activity_date), date '9999-12-31'),
        activity_date + ${usage_window_days}
    ) as span_end_date
from feature_days;

-- The feature lists each customer is read against on the range's days: its plan's list for
-- breadth ('(all)', every feature, for a plan without one) and for key features (`default` for
-- a plan without one). A span or a fact counts once per list its customer needs, not once per
-- list naming its feature: at 1,000,000 customers the year's last range spilled past 36 GB
-- of free disk that way.
create or replace temp table usage_customer_lists as
select distinct
    lifecycle.customer_id,
    case when known_plans.plan is not null then lifecycle.plan else '(all)' end as breadth_list,
    coalesce(known_plans.plan, 'default') as key_list
from lifecycle
left join (select distinct plan from seed_plan_features) as known_plans
    on lifecycle.plan = known_plans.plan;

-- Features of each customer's breadth list in use, as a running count per customer and list;
-- and the running sum of events in the key features of its key list.
create or replace temp table usage_feature_counts as
with span_lists as (
    select spans.customer_id, lists.breadth_list as feature_list, spans.span_start_date, spans.span_end_date
    from usage_feature_spans as spans
    inner join (select distinct customer_id, breadth_list from usage_customer_lists) as lists
        on spans.customer_id = lists.customer_id
    left join seed_plan_features as listed
        on lists.breadth_list = listed.plan and spans.feature = listed.feature
    where lists.breadth_list = '(all)' or listed.feature is not null
),

deltas as (
    select customer_id, feature_list, span_start_date as day, 1 as delta from span_lists
    union all
    select customer_id, feature_list, span_end_date as day, -1 as delta from span_lists
)

select
    customer_id,
    feature_list,
    day,
    sum(sum(delta)) over (partition by customer_id, feature_list order by day rows unbounded preceding) as features_used
from deltas
group by customer_id, feature_list, day;

create or replace temp table usage_key_events as
select
    daily_facts.customer_id,
    lists.key_list as feature_list,
    daily_facts.activity_date as day,
    sum(sum(daily_facts.event_count)) over (
        partition by daily_facts.customer_id, lists.key_list order by daily_facts.activity_date rows unbounded preceding
    ) as key_events_to_date
from daily_facts
inner join (select distinct customer_id, key_list from usage_customer_lists) as lists
    on daily_facts.customer_id = lists.customer_id
inner join seed_plan_features as keyed
    on lists.key_list = keyed.plan and daily_facts.feature = keyed.feature and keyed.is_key_feature
group by daily_facts.customer_id, lists.key_list, daily_facts.activity_date;

create or replace temp table usage_windows as
with spine as (
    select
        customers.customer_id,
        cast(days.day as date) as score_date,
        coalesce(usage_customer_days.event_count, 0) as event_count,
        coalesce(usage_user_deltas.delta, 0) as user_delta
    from (select distinct customer_id from usage_customer_days) as customers
    cross join generate_series(
        cast(cast('${first_date}' as date) - ${usage_lookback_days} + 1 as timestamp),
        cast('${last_date}' as timestamp),
        interval 1 day
    ) as days (day)
    left join usage_customer_days
        on customers.customer_id = usage_customer_days.customer_id and cast(days.day as date) = usage_customer_days.activity_date
    left join usage_user_deltas
        on customers.customer_id = usage_user_deltas.customer_id and cast(days.day as date) = usage_user_deltas.day
),

windowed as (
    select
        customer_id,
        score_date,
        count(case when event_count > 0 then 1 end) over current_window as active_days,
        sum(event_count) over current_window as events_current_window,
        coalesce(sum(event_count) over (
            partition by customer_id order by score_date
            rows between ${usage_window_days_x2_minus_1} preceding and ${usage_window_days} preceding
        ), 0) as events_previous_window,
        max(case when event_count > 0 then score_date end) over to_date as last_activity_date,
        sum(user_delta) over to_date as active_users
    from spine
    window
        current_window as (partition by customer_id order by score_date rows between ${usage_window_days_minus_1} preceding and current row),
        to_date as (partition by customer_id order by score_date rows unbounded preceding)
)

select * from windowed
where score_date >= cast('${first_date}' as date) and last_activity_date > score_date - ${usage_freshness_days};

create or replace temp table usage_metrics as
with customer_plans as (
    select
        lifecycle.customer_id,
        lifecycle.score_date,
        lifecycle.plan,
        lifecycle.seats_purchased,
        coalesce(known_plans.plan, 'default') as feature_plan,
        known_plans.plan is not null as has_feature_list
    from lifecycle
    left join (select distinct plan from seed_plan_features) as known_plans
        on lifecycle.plan = known_plans.plan
),

features_available as (
    select plan, count(*) as features_available from seed_plan_features group by plan
),

-- A plan without a feature list: the features any of its customers used in the window.
plan_catalogues as (
    select
        customer_plans.plan,
        customer_plans.score_date,
        count(distinct spans.feature) as features_available
    from customer_plans
    inner join usage_feature_spans as spans
        on
            customer_plans.customer_id = spans.customer_id
            and spans.span_start_date <= customer_plans.score_date
            and spans.span_end_date > customer_plans.score_date
    where not customer_plans.has_feature_list
    group by all
),

per_customer as (
    select
        w.customer_id,
        w.score_date,
        p.plan,
        p.feature_plan,
        p.has_feature_list,
        p.seats_purchased,
        w.last_activity_date,
        w.active_days,
        w.active_users,
        w.events_current_window,
        w.events_previous_window,
        p.has_feature_list as lookup_list,
        case when p.has_feature_list then p.feature_plan else '(all)' end as breadth_list
    from usage_windows as w
    inner join customer_plans as p
        on w.customer_id = p.customer_id and w.score_date = p.score_date
),

with_features as (
    select
        per_customer.*,
        coalesce(breadth.features_used, 0) as features_used
    from per_customer
    asof left join usage_feature_counts as breadth
        on
            per_customer.customer_id = breadth.customer_id
            and per_customer.breadth_list = breadth.feature_list
            and per_customer.score_date >= breadth.day
),

with_key_now as (
    select
        with_features.*,
        key_now.key_events_to_date
    from with_features
    asof left join usage_key_events as key_now
        on
            with_features.customer_id = key_now.customer_id
            and with_features.feature_plan = key_now.feature_list
            and with_features.score_date >= key_now.day
),

with_key as (
    select
        with_key_now.* exclude (key_events_to_date),
        coalesce(with_key_now.key_events_to_date, 0) - coalesce(key_before.key_events_to_date, 0) as key_feature_events
    from with_key_now
    asof left join usage_key_events as key_before
        on
            with_key_now.customer_id = key_before.customer_id
            and with_key_now.feature_plan = key_before.feature_list
            and with_key_now.score_date - ${usage_window_days} >= key_before.day
)

select
    with_key.customer_id,
    with_key.score_date,
    with_key.plan,
    ${usage_window_days} as window_days,
    with_key.active_days,
    with_key.active_users,
    with_key.seats_purchased,
    with_key.features_used,
    coalesce(features_available.features_available, plan_catalogues.features_available) as features_available,
    with_key.key_feature_events,
    with_key.events_current_window,
    with_key.events_previous_window,
    100.0 * cast(with_key.active_users as double) / nullif(cast(with_key.seats_purchased as double), 0) as active_user_pct,
    100.0 * cast(with_key.features_used as double)
    / nullif(cast(coalesce(features_available.features_available, plan_catalogues.features_available) as double), 0)
        as feature_breadth_pct,
    coalesce(cast(with_key.key_feature_events as double) / nullif(cast(with_key.active_users as double), 0), 0)
        as key_feature_depth,
    100.0 * cast(with_key.events_current_window - with_key.events_previous_window as double)
    / nullif(cast(with_key.events_previous_window as double), 0) as events_trend_pct
from with_key
left join features_available
    on with_key.feature_plan = features_available.plan and with_key.has_feature_list
left join plan_catalogues
    on with_key.plan = plan_catalogues.plan and with_key.score_date = plan_catalogues.score_date and not with_key.has_feature_list;

-- Done with the usage intermediates: free their memory for the next steps.
drop table temp.main.daily_facts;
drop table temp.main.usage_customer_days;
drop table temp.main.usage_user_deltas;
drop table temp.main.usage_feature_spans;
drop table temp.main.usage_feature_counts;
drop table temp.main.usage_customer_lists;
drop table temp.main.usage_key_events;
drop table temp.main.usage_windows;
