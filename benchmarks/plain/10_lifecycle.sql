-- Exchange rates in force on each day: the latest valid_from on or before it, per currency.
create or replace temp table fx_rates as
select
    score_dates.score_date,
    upper(trim(fx.currency)) as currency,
    fx.rate_to_reporting
from seed_fx_rates as fx
inner join score_dates on fx.valid_from <= score_dates.score_date
qualify fx.valid_from = max(fx.valid_from) over (partition by score_dates.score_date, upper(trim(fx.currency)));

-- Each subscription with the length of the customer's previous term (terms renew at that length).
create or replace temp table subscription_terms as
select
    *,
    lag(date_diff('day', started_date, ends_date)) over (
        partition by customer_id order by started_date, subscription_id
    ) as previous_term_days
from stg_subscriptions;

-- Per customer and start day: the latest end of any subscription started by then (as-of joined).
create or replace temp table subscription_history as
select
    customer_id,
    started_date,
    max(max(coalesce(ends_date, date '9999-12-31'))) over (
        partition by customer_id order by started_date rows unbounded preceding
    ) as last_ends_date,
    min(min(started_date)) over (partition by customer_id) as first_started_date
from stg_subscriptions
group by customer_id, started_date;

-- The subscription covering each day: the latest started among those started by it, not ended.
create or replace temp table current_subscription as
select
    score_dates.score_date,
    subscription_terms.*
from subscription_terms
inner join score_dates
    on
        subscription_terms.started_date <= score_dates.score_date
        and coalesce(subscription_terms.ends_date, date '9999-12-31') > score_dates.score_date
qualify row_number() over (
    partition by subscription_terms.customer_id, score_dates.score_date
    order by subscription_terms.started_date desc, subscription_terms.subscription_id desc
) = 1;

create or replace temp table lifecycle as
with customer_days as (
    select
        stg_customers.*,
        score_dates.score_date
    from stg_customers
    cross join score_dates
    left join (select distinct customer_id, first_started_date from subscription_history) as firsts
        on stg_customers.customer_id = firsts.customer_id
    where stg_customers.created_date <= score_dates.score_date or firsts.first_started_date <= score_dates.score_date
),

with_history as (
    select
        customer_days.*,
        history.customer_id as history_customer_id,
        history.first_started_date,
        history.last_ends_date
    from customer_days
    asof left join subscription_history as history
        on
            customer_days.customer_id = history.customer_id
            and customer_days.score_date >= history.started_date
)

select
    c.customer_id,
    c.score_date,
    c.customer_name,
    coalesce(s.plan, c.plan) as plan,
    c.csm_owner,
    case
        when s.customer_id is not null and s.cancelled_date <= c.score_date then 'churning'
        when s.customer_id is not null then 'active'
        when c.history_customer_id is not null then 'churned'
        else 'not_started'
    end as lifecycle_status,
    c.seats_purchased,
    coalesce(s.mrr, 0) as mrr,
    case when s.customer_id is not null then coalesce(s.currency, '${reporting_currency}') end as currency,
    case when s.customer_id is null then 0 else s.mrr * fx.rate_to_reporting end as mrr_reporting,
    s.customer_id is not null and fx.currency is null as is_fx_rate_missing,
    c.created_date,
    coalesce(
        s.customer_id is not null
        and date_diff('day', c.first_started_date, c.score_date) < settings.onboarding_days,
        false
    ) as is_onboarding,
    case
        when s.cancelled_date <= c.score_date then s.ends_date
        else cast(
            s.started_date + to_days(cast(
                s.previous_term_days
                * (cast(floor(date_diff('day', s.started_date, c.score_date) / nullif(s.previous_term_days, 0)) as integer) + 1)
                as integer
            )) as date
        )
    end as current_term_ends_date
from with_history as c
cross join settings
left join current_subscription as s
    on c.customer_id = s.customer_id and c.score_date = s.score_date
left join fx_rates as fx
    on s.score_date = fx.score_date and coalesce(s.currency, '${reporting_currency}') = fx.currency;
