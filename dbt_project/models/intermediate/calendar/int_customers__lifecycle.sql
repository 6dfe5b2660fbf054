{#-
    Each customer's standing on each score date. A subscription covers a day from its start
    (inclusive) to its end (exclusive); a customer covered on the day is in scope: `active`, or
    `churning` when the covering subscription had a cancellation requested by that day. A
    customer no longer covered whose last subscription ended earlier has `churned` and is not
    scored; one whose first subscription starts later is `not_started`. Point in time: only
    subscriptions started by the day count, and a cancellation counts from its request day.
    A customer in scope whose first subscription started fewer than `onboarding_days`
    (health_settings seed) ago is onboarding (`is_onboarding`): scored with its own weight set.
    Money: `mrr` stays in the subscription's `currency`; `mrr_reporting` is it in the
    `reporting_currency` var at the `fx_rates` rate in force on the day, null (with
    `is_fx_rate_missing`) when the seed has no rate for that currency then. A blank currency is
    the reporting currency.
    A cancellation requested after the day is not known on the day: `cancellation_requested_date`
    is empty until then. Nor is the scheduled end of a term the landing files do not keep (a
    cancelled contract's `ends_at` is rewritten to the end of service): the current term's end on
    the day is the end of service once a cancellation is known, else the next end of a term as
    long as the customer's previous one (terms renew at the same length), else unknown (a first
    term). The same rule for every customer, so nothing in a row for day D depends on whether
    the customer cancels later. A customer created after the day, with no subscription by then,
    has no row for it.
-#}
{%- set term_days = 'current_subscription.previous_term_days' -%}
{%- set days_into_term = dbt.datediff(
    'current_subscription.started_date', 'score_dates.score_date', 'day'
) -%}
{%- set terms_passed = 'cast(floor(' ~ days_into_term ~ ' / nullif(' ~ term_days ~ ', 0)) as integer)' -%}
{%- set next_term_end = dbt.dateadd(
    'day', term_days ~ ' * (' ~ terms_passed ~ ' + 1)', 'current_subscription.started_date'
) -%}
with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

fx_rates as (

    select * from {{ ref('int_fx__rates') }}

),

settings as (

    {{ settings_row(['onboarding_days']) }}

),

terms as (

    select
        subscriptions.*,
        lag({{ dbt.datediff('subscriptions.started_date', 'subscriptions.ends_date', 'day') }}) over (
            partition by subscriptions.customer_id
            order by subscriptions.started_date, subscriptions.subscription_id
        ) as previous_term_days

    from subscriptions

),

score_bounds as (

    select
        min(score_date) as first_score_date,
        max(score_date) as last_score_date

    from score_dates

),

-- A subscription is joined to the days of the run only when it can cover one of them or starts
-- during the run; the customer's older ones (years of terms) are summed up once, before the run.
known_subscriptions as (

    select
        score_dates.score_date,
        terms.*

    from terms
    cross join score_bounds
    inner join score_dates
        on terms.started_date <= score_dates.score_date
    where
        terms.started_date >= score_bounds.first_score_date
        or terms.ends_date is null
        or terms.ends_date > score_bounds.first_score_date

),

history_before_run as (

    -- The subscriptions started before the run's first day, known on every day of it.
    select
        terms.customer_id,
        min(terms.started_date) as first_started_date,
        max(coalesce(terms.ends_date, cast('9999-12-31' as date))) as last_ends_date

    from terms
    cross join score_bounds
    where terms.started_date < score_bounds.first_score_date
    group by terms.customer_id

),

history_in_run as (

    -- The subscriptions started on a day of the run, known from that day.
    select
        known_subscriptions.customer_id,
        known_subscriptions.score_date,
        min(known_subscriptions.started_date) as first_started_date,
        max(coalesce(known_subscriptions.ends_date, cast('9999-12-31' as date))) as last_ends_date

    from known_subscriptions
    cross join score_bounds
    where known_subscriptions.started_date >= score_bounds.first_score_date
    group by known_subscriptions.customer_id, known_subscriptions.score_date

),

covering as (

    select
        customer_id,
        score_date,
        subscription_id,
        plan,
        mrr,
        coalesce(currency, '{{ var("reporting_currency") }}') as currency,
        ends_date,
        cancelled_date,
        started_date,
        previous_term_days,
        row_number() over (
            partition by customer_id, score_date
            order by started_date desc, subscription_id desc
        ) as recency_rank

    from known_subscriptions
    where ends_date is null or ends_date > score_date

),

current_subscription as (

    select * from covering
    where recency_rank = 1

),

history as (

    -- Every subscription started by the day: those before the run and those of its days.
    select
        customers.customer_id,
        score_dates.score_date,
        -- least and greatest skip a null (on DuckDB and Spark alike).
        least(history_before_run.first_started_date, history_in_run.first_started_date) as first_started_date,
        greatest(history_before_run.last_ends_date, history_in_run.last_ends_date) as last_ends_date

    from customers
    cross join score_dates
    left join history_before_run
        on customers.customer_id = history_before_run.customer_id
    left join history_in_run
        on
            customers.customer_id = history_in_run.customer_id
            and score_dates.score_date = history_in_run.score_date
    where history_before_run.customer_id is not null or history_in_run.customer_id is not null

),

final as (

    select
        ---------- ids
        customers.customer_id,
        score_dates.score_date,
        current_subscription.subscription_id as current_subscription_id,

        ---------- attributes
        customers.customer_name,
        coalesce(current_subscription.plan, customers.plan) as plan,
        customers.csm_owner,
        case
            when current_subscription.customer_id is not null
                and current_subscription.cancelled_date <= score_dates.score_date
                then 'churning'
            when current_subscription.customer_id is not null then 'active'
            when history.customer_id is not null then 'churned'
            else 'not_started'
        end as lifecycle_status,

        ---------- numerics
        customers.seats_purchased,
        coalesce(current_subscription.mrr, 0) as mrr,
        current_subscription.currency,
        fx_rates.rate_to_reporting as fx_rate_to_reporting,
        case
            when current_subscription.customer_id is null then 0
            else current_subscription.mrr * fx_rates.rate_to_reporting
        end as mrr_reporting,
        current_subscription.customer_id is not null and fx_rates.currency is null as is_fx_rate_missing,

        ---------- dates
        customers.created_date,
        history.first_started_date,
        coalesce(
            current_subscription.customer_id is not null
            and {{ dbt.datediff('history.first_started_date', 'score_dates.score_date', 'day') }}
            < settings.onboarding_days,
            false
        ) as is_onboarding,
        case
            when current_subscription.cancelled_date <= score_dates.score_date
                then current_subscription.ends_date
            else cast({{ next_term_end }} as date)
        end as current_term_ends_date,
        case
            when current_subscription.cancelled_date <= score_dates.score_date
                then current_subscription.cancelled_date
        end as cancellation_requested_date,
        case
            when current_subscription.customer_id is null then history.last_ends_date
        end as churned_date

    from customers
    cross join score_dates
    cross join settings
    left join current_subscription
        on
            customers.customer_id = current_subscription.customer_id
            and score_dates.score_date = current_subscription.score_date
    left join history
        on
            customers.customer_id = history.customer_id
            and score_dates.score_date = history.score_date
    left join fx_rates
        on
            current_subscription.score_date = fx_rates.score_date
            and current_subscription.currency = fx_rates.currency
    where customers.created_date <= score_dates.score_date or history.customer_id is not null

)

select * from final
{{ storage_order('customer_id, score_date') }}
