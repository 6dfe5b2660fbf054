-- Row order of intermediate tables does not matter (every order is explicit): let DuckDB
-- parallelise and spill freely.
set preserve_insertion_order = false;

-- Seeds, straight from seeds/*.csv.
create or replace temp table seed_dimension_settings as
select * from read_csv('${seeds}/dimension_settings.csv', header = true, auto_detect = true, types = {'window_days': 'INTEGER', 'freshness_days': 'INTEGER', 'half_life_days': 'DOUBLE'});

create or replace temp table seed_health_settings as
select setting, cast(value as double) as value
from read_csv('${seeds}/health_settings.csv', header = true, auto_detect = true);

create or replace temp table seed_metric_scoring as
select * from read_csv('${seeds}/metric_scoring.csv', header = true, auto_detect = true, types = {'metric_weight': 'DOUBLE', 'worst_value': 'DOUBLE', 'best_value': 'DOUBLE'});

create or replace temp table seed_metric_bands as
select * from read_csv('${seeds}/metric_bands.csv', header = true, auto_detect = true, types = {'lower_bound': 'DOUBLE', 'band_score': 'DOUBLE'});

create or replace temp table seed_plan_features as
select * from read_csv('${seeds}/plan_features.csv', header = true, auto_detect = true, types = {'is_key_feature': 'BOOLEAN'});

create or replace temp table seed_engagement_points as
select * from read_csv('${seeds}/engagement_points.csv', header = true, auto_detect = true, types = {'points': 'DOUBLE'});

create or replace temp table seed_engagement_sentiment as
select * from read_csv('${seeds}/engagement_sentiment.csv', header = true, auto_detect = true, types = {'multiplier': 'DOUBLE'});

create or replace temp table seed_support_sla as
select * from read_csv('${seeds}/support_sla.csv', header = true, auto_detect = true, types = {'first_response_hours': 'DOUBLE', 'resolution_hours': 'DOUBLE'});

create or replace temp table seed_survey_kinds as
select * from read_csv('${seeds}/survey_kinds.csv', header = true, auto_detect = true, types = {'min_score': 'DOUBLE', 'max_score': 'DOUBLE'});

create or replace temp table seed_fx_rates as
select * from read_csv('${seeds}/fx_rates.csv', header = true, auto_detect = true, types = {'rate_to_reporting': 'DOUBLE', 'valid_from': 'DATE'});

create or replace temp table seed_health_weights as
select * from read_csv('${seeds}/health_weights.csv', header = true, auto_detect = true, types = {'weight': 'DOUBLE', 'valid_from': 'DATE'});

create or replace temp table seed_score_overrides as
select * from read_csv(
    '${seeds}/score_overrides.csv', header = true, auto_detect = true,
    types = {'valid_from': 'DATE', 'valid_until': 'DATE', 'override_score': 'DOUBLE'}
);

create or replace temp table seed_segment_thresholds as
select * from read_csv('${seeds}/segment_thresholds.csv', header = true, auto_detect = true, types = {'min_score': 'DOUBLE', 'segment_order': 'INTEGER', 'requires_advocacy': 'BOOLEAN', 'valid_from': 'DATE'});

create or replace temp table seed_churn_risk_bands as
select * from read_csv('${seeds}/churn_risk_bands.csv', header = true, auto_detect = true, types = {'min_score': 'DOUBLE', 'churn_risk': 'DOUBLE', 'valid_from': 'DATE'});

create or replace temp table seed_hard_rules as
select * from read_csv('${seeds}/hard_rules.csv', header = true, auto_detect = true, types = {'threshold': 'DOUBLE'});

-- One row of named settings (health_settings.csv), to cross join.
create or replace temp table settings as
pivot (select setting, value from seed_health_settings) on setting using max(value);

-- Staging: the latest delivery of each key (later load, then later row in the file, wins).
create or replace temp table stg_customers as
select
    customer_id,
    customer_name,
    lower(trim(plan)) as plan,
    csm_owner,
    seats_purchased,
    cast(created_at as date) as created_date
from raw.customers
qualify row_number() over (partition by customer_id order by _load_id desc, _file_row_number desc) = 1;

create or replace temp table stg_subscriptions as
select
    subscription_id,
    customer_id,
    lower(trim(plan)) as plan,
    upper(trim(currency)) as currency,
    coalesce(is_renewal, false) as is_renewal,
    mrr,
    cast(started_at as date) as started_date,
    cast(ends_at as date) as ends_date,
    cast(cancelled_at as date) as cancelled_date
from raw.subscriptions
qualify row_number() over (partition by subscription_id order by _load_id desc, _file_row_number desc) = 1;

create or replace temp table stg_invoices as
select
    invoice_id,
    customer_id,
    upper(trim(currency)) as currency,
    lower(trim(status)) as invoice_status,
    amount,
    cast(issued_at as date) as issued_date,
    cast(due_at as date) as due_date,
    cast(paid_at as date) as paid_date
from raw.invoices
qualify row_number() over (partition by invoice_id order by _load_id desc, _file_row_number desc) = 1;

create or replace temp table stg_tickets as
select
    ticket_id,
    customer_id,
    lower(trim(priority)) as priority,
    coalesce(reopen_count, 0) as reopen_count,
    csat,
    opened_at,
    first_response_at,
    resolved_at,
    cast(opened_at as date) as opened_date
from raw.support_tickets
qualify row_number() over (partition by ticket_id order by _load_id desc, _file_row_number desc) = 1;

create or replace temp table stg_responses as
select
    response_id,
    customer_id,
    lower(trim(kind)) as survey_kind,
    lower(trim(touchpoint)) as touchpoint,
    score,
    responded_at,
    cast(responded_at as date) as responded_date
from raw.surveys
qualify row_number() over (partition by response_id order by _load_id desc, _file_row_number desc) = 1;

create or replace temp table stg_touchpoints as
select
    touchpoint_id,
    customer_id,
    lower(trim(kind)) as touchpoint_kind,
    lower(trim(sentiment)) as sentiment,
    detail_length,
    cast(occurred_at as date) as occurred_date
from raw.engagement
qualify row_number() over (partition by touchpoint_id order by _load_id desc, _file_row_number desc) = 1;

-- Usage events read once into one row per customer, day, user and feature, over the days the
-- usage windows of the whole history look back to, stored as dbt stores its daily facts: each
-- range of days scored takes its days from it (05_range.sql). The latest delivery is picked
-- among the versions of the events with a version on those days only (every version of them,
-- so a correction that moved an event out of the days still wins): a history of the last weeks
-- of a year's landing numbers a few weeks of events, not the year's.
create schema if not exists bench;

create or replace table bench.${table}_usage_facts as
select
    customer_id,
    occurred_date as activity_date,
    coalesce(user_id, '(unknown)') as user_id,
    feature,
    count(*) as event_count
from (
    select
        customer_id,
        user_id,
        lower(trim(feature)) as feature,
        cast(occurred_at as date) as occurred_date
    from raw.product_usage
    where event_id in (
        select event_id from raw.product_usage
        where
            cast(occurred_at as date) > cast('${history_first_date}' as date) - ${usage_lookback_days}
            and cast(occurred_at as date) <= cast('${history_last_date}' as date)
    )
    qualify row_number() over (partition by event_id order by _load_id desc, _file_row_number desc) = 1
)
where
    occurred_date > cast('${history_first_date}' as date) - ${usage_lookback_days}
    and occurred_date <= cast('${history_last_date}' as date)
group by all;
