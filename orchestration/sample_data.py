"""Generate a reproducible, realistic sample of the seven landing sources.

Run ``python -m orchestration.sample_data --help``. Everything is computed in DuckDB SQL: no
per-row Python, so 100,000 customers x 365 days (~50 million usage events) fits in minutes and
bounded memory.

How the data behaves (what the health score is meant to find, never how it scores it):

- every customer has a hidden health that drifts week by week: a per-customer base and trend
  plus a mean-reverting random walk (a triangular moving sum of weekly shocks, computed exactly
  with integer window sums so it does not depend on thread scheduling);
- a customer churns with a hazard that rises as hidden health falls, mostly at the end of a
  term (monthly or annual), sometimes mid-term; only inside the window, so every customer is
  live at the window start or created during it;
- in the 4-8 weeks before a cancellation behaviour degrades (fewer users and events, more
  urgent tickets, lower CSAT, late or failed invoices, silence in engagement, detractor NPS),
  with per-customer strength and noise, so that a good score predicts churn well, not perfectly;
- nothing is recorded for a customer after it churned.

That is the ``default`` profile. Other profiles (``--profile``, ``orchestration.sample_profiles``)
swap a few SQL fragments to change who churns and why, and what the sources show of it.

Randomness is ``hash(hash(seed, salt, keys))``, never ``random()``: it is the same whatever the
thread count or row order, draws with different salts are independent (see ``_macros``), and
every file is written with an ORDER BY that is a total order, so the same arguments give
byte-identical files (with the same DuckDB version: ``hash()`` is not promised to be stable
across DuckDB releases).

This module holds no scoring logic and must never read the dbt project's SQL or weights: the
sample has to stay an independent test of them.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from string import Template

import duckdb

from orchestration.sample_profiles import DEFAULT, PROFILES

SOURCES: tuple[str, ...] = (
    "customers",
    "subscriptions",
    "product_usage",
    "support_tickets",
    "surveys",
    "invoices",
    "engagement",
)
FORMATS: tuple[str, ...] = ("csv", "parquet", "jsonl")

# Fixed, not today's date, so that a run next month writes the same files as a run today.
DEFAULT_END_DATE = date(2026, 9, 30)
DEFAULT_CUSTOMERS = 2000
DEFAULT_DAYS = 365
DEFAULT_SEED = 42
DEFAULT_OUT = Path("data/landing")

# Customers created before the window are spread over this many days before its start.
HISTORY_DAYS = 730
# Weeks in the triangular kernel of the hidden-health walk: how long a shock keeps mattering.
HEALTH_KERNEL_WEEKS = 16
# Longest window: week numbers must fit in three digits of the generated ids.
MAX_DAYS = 3650
# DuckDB spills to a temporary directory above this, so 100k customers run on a small machine.
MEMORY_LIMIT = "4GB"

_COPY_OPTIONS = {
    # Timestamps are whole seconds, so DuckDB's default text form is already
    # YYYY-MM-DD HH:MM:SS; an explicit TIMESTAMPFORMAT would only slow the writer down.
    "csv": "FORMAT csv, HEADER true, DELIMITER ',', NULLSTR ''",
    "parquet": "FORMAT parquet",
    # DuckDB's json format writes one object per line (newline-delimited), i.e. JSON lines.
    "jsonl": "FORMAT json",
}


def _macros(seed: int) -> str:
    """Pseudo-random helpers keyed on (seed, salt, keys) so every draw is reproducible."""
    return f"""
        -- hash() of several values XORs in the hash of the last one unmixed: two salts with the
        -- same keys would differ by a constant per customer, so draws meant to be independent (a
        -- late invoice, a failed one, a churn, a walk shock in the same week) would move together
        -- (|correlation| 0.74 on average within a customer). Hashing again mixes every bit.
        create macro hbits(salt, a, b) as hash(hash({seed}::bigint, salt, a::bigint, b::bigint));
        create macro rnd(salt, a, b) as (hbits(salt, a, b) >> 11)::double / 9007199254740992.0;
        -- Box-Muller on two independent uniforms; 1 - u keeps ln() away from zero.
        create macro nrm(salt, a, b) as
            sqrt(-2 * ln(1 - rnd(salt || '#1', a, b))) * cos(2 * pi() * rnd(salt || '#2', a, b));
        -- One hash yields three 21-bit uniforms (ubit): usage events are the bulk, so hash less.
        create macro ubit(h, part) as
            ((h >> (21 * part)::ubigint) & 2097151::ubigint)::double / 2097152.0;
        create macro cid(n) as 'C' || lpad(n::varchar, $width, '0');
        create macro clamp(x, lo, hi) as least(greatest(x, lo), hi);
        create macro sigmoid(x) as 1 / (1 + exp(-x));
        create macro secs(x) as to_seconds(floor(x)::bigint);
        create macro week_of(ts) as floor(date_diff('day', date '$w0', ts::date) / 7)::integer;
    """


_CUSTOMERS_SQL = """
create table cust as
with draws as (
    select
        i::integer as cust_num,
        rnd('is_new', i, 0) as u_new,
        rnd('created', i, 0) as u_created,
        rnd('plan', i, 0) as u_plan,
        rnd('seats', i, 0) as u_seats,
        rnd('term', i, 0) as u_term,
        rnd('country', i, 0) as u_country,
        rnd('currency', i, 0) as u_currency,
        rnd('industry', i, 0) as u_industry,
        rnd('has_csm', i, 0) as u_has_csm,
        rnd('csm', i, 0) as u_csm,
        rnd('name1', i, 0) as u_name1,
        rnd('name2', i, 0) as u_name2,
        rnd('name3', i, 0) as u_name3,
        rnd('discount', i, 0) as u_discount,
        rnd('adoption', i, 0) as u_adoption,
        nrm('breadth', i, 0) as z_breadth,
        nrm('base_health', i, 0) as z_base,
        nrm('trend', i, 0) as z_trend,
        rnd('dip_len', i, 0) as u_dip_len,
        rnd('dip_silent', i, 0) as u_dip_silent,
        rnd('dip_strength', i, 0) as u_dip_strength,
        rnd('reason', i, 0) as u_reason,
        rnd('tracked', i, 0) as u_tracked
    from range(1, $n_plus_1) as t (i)
),

shaped as (
    select
        *,
        case
            when u_plan < 0.50 then 'starter'
            when u_plan < 0.85 then 'growth'
            else 'enterprise'
        end as plan0,
        case
            when u_country < 0.42 then 'US'
            when u_country < 0.50 then 'GB'
            when u_country < 0.57 then 'DE'
            when u_country < 0.62 then 'FR'
            when u_country < 0.65 then 'NL'
            when u_country < 0.68 then 'ES'
            when u_country < 0.76 then 'BR'
            when u_country < 0.79 then 'MX'
            when u_country < 0.85 then 'CA'
            when u_country < 0.89 then 'AU'
            when u_country < 0.93 then 'IN'
            when u_country < 0.96 then 'JP'
            when u_country < 0.98 then 'SE'
            else 'PT'
        end as country
    from draws
),

final as (
    select
        cust_num,
        'C' || lpad(cust_num::varchar, $width, '0') as customer_id,
        -- Names come from small word lists: duplicates are fine (they are not keys), and the
        -- lists carry commas, quotes-free punctuation and non-ASCII letters on purpose.
        [
            'Acme', 'Blue Harbor', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Stark',
            'Wayne', 'Cyberdyne', 'Soylent', 'Hooli', 'Vandelay', 'Aperture', 'Tyrell', 'Wonka',
            'Oscorp', 'Pied Piper', 'Nakatomi', 'Monarch', 'Zenith', 'Polaris', 'Lumen',
            'Quantum', 'Evergreen', 'Silverline', 'Redwood', 'Bluebird', 'Ironclad',
            'Brightpath', 'Søndergaard', 'Müller & Söhne', 'Açaí', 'Café Lumière', 'São Jorge',
            'Crane, Poole', 'Nordlicht'
        ][1 + floor(u_name1 * 36)::integer]
        || ' '
        || [
            'Analytics', 'Logistics', 'Health', 'Foods', 'Systems', 'Labs', 'Capital', 'Media',
            'Robotics', 'Energy', 'Retail', 'Software', 'Consulting', 'Education', 'Motors',
            'Bank', 'Studios', 'Networks', 'Pharma', 'Holdings'
        ][1 + floor(u_name2 * 20)::integer]
        || case
            when country = 'GB' then ' Ltd'
            when country = 'DE' then ' GmbH'
            when country = 'FR' then ' SAS'
            when country = 'BR' then ' Ltda'
            when country in ('ES', 'MX') then ' S.A.'
            when country in ('US', 'CA') and u_name3 < 0.5 then ' Inc'
            when country in ('US', 'CA') and u_name3 < 0.7 then ' LLC'
            else ''
        end as customer_name,
        plan0,
        [
            'Software', 'Financial Services', 'Healthcare', 'Retail', 'Manufacturing',
            'Education', 'Media', 'Logistics', 'Real Estate', 'Nonprofit',
            'Telecommunications', 'Energy'
        ][1 + floor(u_industry * 12)::integer] as industry,
        country,
        -- Enterprise accounts have a named senior CSM; most starters are tech-touch (no CSM).
        case
            when plan0 = 'enterprise'
                then ['Ana Souza', 'Ben Carter', 'Chloé Martin', 'Daniel Kim', 'Eva Novak'][
                    1 + floor(u_csm * 5)::integer
                ]
            when plan0 = 'starter' and u_has_csm < 0.6 then null
            else [
                'Farah Haddad', 'Gabriel Silva', 'Hannah Weber', 'Ivan Petrov', 'Julia Rossi',
                'Kenji Tanaka'
            ][1 + floor(u_csm * 6)::integer]
        end as csm_owner,
        case
            when plan0 = 'starter' then 5 + floor(u_seats * 11)
            when plan0 = 'growth' then 15 + floor(45 * pow(u_seats, 1.5))
            else 50 + floor(251 * pow(u_seats, 2))
        end::integer as seats0,
        case
            when u_new < $p_new
                then timestamp '$w0' + secs(u_created * $new_span_seconds)
            else timestamp '$w0' - interval $history_days day
                + secs(u_created * $history_seconds)
        end as created_at,
        -- Bigger customers sign annual contracts more often.
        case
            when u_term < $annual_share
                then 12
            else 1
        end as term_months,
        case
            when country in ('DE', 'FR', 'NL', 'ES', 'PT') and u_currency < 0.7 then 'EUR'
            when country = 'SE' and u_currency < 0.3 then 'EUR'
            when country = 'GB' and u_currency < 0.6 then 'GBP'
            when country = 'BR' and u_currency < 0.8 then 'BRL'
            else 'USD'
        end as currency,
        -- Negotiated discount only above starter; annual terms get 15% off on top.
        case when plan0 = 'starter' then 1.0 else 1.0 - 0.15 * u_discount end as discount,
        0.35 + 0.35 * u_adoption as adoption_base,
        z_breadth as breadth_base,
        $health_base as health_base,
        0.5 * z_trend as health_trend_per_year,
        -- How the last weeks before a churn look: a 4-8 week ramp, absent for some churners
        -- (the sudden ones: budget cut, acquisition) so that no score can be perfect.
        28 + floor(u_dip_len * 29) as dip_days,
        $dip_strength
            as dip_strength,
        $is_tracked as is_tracked,
        case
            when u_reason < 0.22 then 'price'
            when u_reason < 0.40 then 'product_fit'
            when u_reason < 0.52 then 'support'
            when u_reason < 0.68 then 'competitor'
            when u_reason < 0.88 then 'budget'
            else 'no_usage'
        end as cancellation_reason
    from shaped
)

select * from final
"""

# Hidden health per customer-week: base + trend + triangular moving sum of integer shocks.
# sum_{k=w-K+1..w} (K - (w - k)) * e_k == (K - w) * sum(e) + sum(k * e): two exact window sums.
_HEALTH_SQL = """
create table health as
with shocks as (
    select
        c.cust_num,
        w.w::integer as w,
        round(nrm('walk', c.cust_num, w.w) * 1000)::bigint as shock
    from cust as c
    cross join range(-$kernel, $n_weeks) as w (w)
),

sums as (
    select
        cust_num,
        w,
        sum(shock) over kernel as s0,
        sum(shock * w) over kernel as s1
    from shocks
    window kernel as (
        partition by cust_num order by w rows between $kernel_minus_1 preceding and current row
    )
),

final as (
    select
        s.cust_num,
        s.w,
        c.health_base
        + c.health_trend_per_year * s.w / 52.0
        + 0.9 * (($kernel - s.w) * s.s0 + s.s1)::double / $kernel_norm as health
    from sums as s
    inner join cust as c on s.cust_num = c.cust_num
)

select * from final
"""

# Contract periods as scheduled (before churn): period k starts k terms after creation.
# Seats change at period boundaries: expansions more likely when healthy, contractions when not.
_PERIODS_SQL = """
create table periods as
with scheduled as (
    select
        c.cust_num,
        k.k::integer as k,
        c.created_at + to_months((k.k * c.term_months)::integer) as started_at,
        c.created_at + to_months(((k.k + 1) * c.term_months)::integer) as ends_scheduled_at
    from cust as c
    cross join range(0, $max_periods) as k (k)
    where c.created_at + to_months((k.k * c.term_months)::integer) < timestamp '$end_excl'
),

with_health as (
    select
        p.*,
        c.seats0,
        c.plan0,
        c.term_months,
        -- Boundaries older than the health history fall back to the customer's base level.
        coalesce(h.health, c.health_base) as boundary_health,
        rnd('seat_change', p.cust_num, p.k) as u_change,
        rnd('seat_size', p.cust_num, p.k) as u_size
    from scheduled as p
    inner join cust as c on p.cust_num = c.cust_num
    left join health as h on p.cust_num = h.cust_num and week_of(p.started_at) = h.w
),

deltas as (
    select
        *,
        (case when term_months = 12 then 0.22 else 0.025 end) * exp(0.35 * boundary_health)
            as p_expand,
        (case when term_months = 12 then 0.08 else 0.010 end) * exp(-0.5 * boundary_health)
        $contract_factor
            as p_contract
    from with_health
),

seat_steps as (
    select
        *,
        case
            when k = 0 then 0
            when u_change < p_expand then 1 + floor(seats0 * (0.1 + 0.3 * u_size))
            when u_change < p_expand + p_contract then -(1 + floor(seats0 * (0.05 + 0.2 * u_size)))
            else 0
        end::integer as seat_delta
    from deltas
),

seats as (
    select
        *,
        -- Contractions stop at the original tier's smallest size.
        greatest(
            case plan0 when 'starter' then 5 when 'growth' then 15 else 50 end,
            seats0 + sum(seat_delta) over (
                partition by cust_num order by k rows between unbounded preceding and current row
            )
        )::integer as seats
    from seat_steps
),

final as (
    select
        cust_num,
        k,
        started_at,
        ends_scheduled_at,
        term_months,
        seats,
        -- Tiers follow seats: past a tier's range is an upgrade, back inside it a downgrade,
        -- never below the tier the customer signed.
        case
            when plan0 in ('starter', 'growth') and seats > 60 then 'enterprise'
            when plan0 = 'starter' and seats > 15 then 'growth'
            else plan0
        end as plan
    from seats
)

select * from final
"""

# Churn candidates: one per renewal in the window (hazard over the whole term) and one per
# week (a small mid-term hazard). The earliest accepted candidate is the churn.
_CHURN_SQL = """
create table churn as
with renewals as (
    select
        p.cust_num,
        -- Up to two days before the term ends, never exactly on it (that is the next term).
        p.ends_scheduled_at - secs(1 + rnd('notice', p.cust_num, p.k) * 172799) as churned_at,
        p.term_months / 12.0 * 0.85 as exposure_years,
        rnd('churn_renewal', p.cust_num, p.k) as u,
        p.k
    from periods as p
    where p.ends_scheduled_at >= timestamp '$w0' and p.ends_scheduled_at < timestamp '$end_excl'
),

renewal_candidates as (
    select r.cust_num, r.churned_at, r.exposure_years, r.u, h.health, true as is_renewal, r.k
    from renewals as r
    inner join health as h on r.cust_num = h.cust_num and week_of(r.churned_at) = h.w
),

mid_term_candidates as (
    select
        h.cust_num,
        timestamp '$w0' + to_days(7 * h.w) + secs(rnd('churn_at', h.cust_num, h.w) * 604800)
            as churned_at,
        $mid_term_exposure as exposure_years,
        rnd('churn_mid', h.cust_num, h.w) as u,
        h.health,
        false as is_renewal,
        null::integer as k
    from health as h
    where h.w >= 0
),

candidates as (
    select * from renewal_candidates
    union all
    select * from mid_term_candidates
),

-- What a profile's churn rule may read besides the hidden health: the term and its renewals, and
-- the tenure at the candidate's date.
exposed as (
    select
        cand.*,
        c.term_months,
        date_diff('day', c.created_at, cand.churned_at) as tenure_days
    from candidates as cand
    inner join cust as c on cand.cust_num = c.cust_num
),

accepted as (
    select cand.cust_num, cand.churned_at
    from exposed as cand
    inner join cust as c on cand.cust_num = c.cust_num
    where
        cand.u < $churn_probability
        and cand.churned_at >= timestamp '$w0'
        and cand.churned_at < timestamp '$end_excl'
        -- Nobody cancels in the first month: that is onboarding, not churn.
        and cand.churned_at > c.created_at + interval 30 day
),

final as (
    select cust_num, min(churned_at) as churned_at
    from accepted
    group by cust_num
)

select * from final
"""

# Contract periods as they happened: cut at the churn, with statuses as of the end date.
_SUBSCRIPTIONS_SQL = """
create table subs as
with joined as (
    select
        p.*,
        ch.churned_at,
        coalesce(
            ch.churned_at >= p.started_at and ch.churned_at < p.ends_scheduled_at, false
        ) as is_cancelled_period
    from periods as p
    left join churn as ch on p.cust_num = ch.cust_num
    where ch.churned_at is null or p.started_at <= ch.churned_at
),

final as (
    select
        j.cust_num,
        j.k,
        'S' || lpad(j.cust_num::varchar, $width, '0') || '-' || lpad(j.k::varchar, 3, '0')
            as subscription_id,
        c.customer_id,
        j.plan,
        j.seats,
        round(
            j.seats
            * (case j.plan when 'starter' then 29 when 'growth' then 49 else 79 end)
            * c.discount
            * (case when j.term_months = 12 then 0.85 else 1.0 end)
            * (case c.currency when 'EUR' then 0.92 when 'GBP' then 0.79 when 'BRL' then 5.2
                else 1.0 end),
            2
        )::double as mrr,
        c.currency,
        j.started_at,
        -- A cancelled contract ends when service stops, which is the cancellation.
        case when j.is_cancelled_period then j.churned_at else j.ends_scheduled_at end
            as ends_at,
        case
            when j.is_cancelled_period then 'cancelled'
            when j.ends_scheduled_at < timestamp '$end_excl' then 'expired'
            else 'active'
        end as status,
        j.k > 0 as is_renewal,
        case when j.is_cancelled_period then j.churned_at end as cancelled_at,
        case when j.is_cancelled_period then c.cancellation_reason end as cancellation_reason
    from joined as j
    inner join cust as c on j.cust_num = c.cust_num
)

select * from final
"""

# One row per customer-week in the window while the customer is live: the effective health
# (hidden health minus the pre-churn dip) and seats that drive every behavioural source.
_ACTIVITY_SQL = """
create table activity as
with live as (
    select
        h.cust_num,
        h.w,
        (date '$w0' + to_days(7 * h.w))::timestamp as week_start,
        greatest(c.created_at, timestamp '$w0') as live_from,
        least(coalesce(ch.churned_at, timestamp '$end_excl'), timestamp '$end_excl') as live_to,
        h.health
        - case
            when ch.churned_at is null then 0.0
            else c.dip_strength * clamp(
                1 - date_diff(
                    'second', date '$w0' + to_days(7 * h.w) + interval 84 hour, ch.churned_at
                ) / 86400.0 / c.dip_days,
                0,
                1
            )
        end as h_eff,
        c.created_at,
        c.csm_owner is not null as has_csm,
        c.adoption_base,
        c.breadth_base,
        c.is_tracked
    from health as h
    inner join cust as c on h.cust_num = c.cust_num
    left join churn as ch on h.cust_num = ch.cust_num
    where h.w >= 0
),

overlapping as (
    select *
    from live
    where week_start < live_to and week_start + interval 7 day > live_from
),

-- Seats can change inside a week: take the lower of the two ends so that active users never
-- exceed the seats of the contract in force on any day.
at_start as (
    select o.*, s.seats as seats_start
    from overlapping as o
    asof left join subs as s on o.cust_num = s.cust_num and o.week_start >= s.started_at
),

at_end as (
    select a.*, s.seats as seats_end
    from at_start as a
    asof left join subs as s
        on a.cust_num = s.cust_num
        and a.week_start + interval 7 day - interval 1 second >= s.started_at
),

final as (
    select
        * exclude (seats_start, seats_end),
        least(coalesce(seats_start, seats_end), seats_end) as seats,
        date_diff('second', timestamp '1970-01-01', live_from) as live_from_s,
        date_diff('second', timestamp '1970-01-01', live_to) as live_to_s
    from at_end
)

select * from final
"""

_CUSTOMERS_OUT = """
with last_period as (
    select cust_num, arg_max(plan, k) as plan, arg_max(seats, k) as seats
    from subs
    group by cust_num
)

select
    c.customer_id,
    c.customer_name,
    lp.plan,
    c.industry,
    c.country,
    c.csm_owner,
    lp.seats as seats_purchased,
    c.created_at
from cust as c
inner join last_period as lp on c.cust_num = lp.cust_num
order by c.customer_id
"""

_SUBSCRIPTIONS_OUT = """
select
    subscription_id,
    customer_id,
    plan,
    mrr,
    currency,
    started_at,
    ends_at,
    status,
    is_renewal,
    cancelled_at,
    cancellation_reason
from subs
order by subscription_id
"""

# Usage for one calendar month. An event is one user's use of one feature in one session;
# quantity counts the actions in it. Weekdays are busy, weekends and the year-end quiet.
_USAGE_OUT = """
with days as (
    -- Only numbers travel through the expansions: strings are built once per output row.
    select
        a.cust_num,
        a.live_from_s,
        a.live_to_s,
        a.h_eff,
        a.seats,
        a.adoption_base,
        a.breadth_base,
        (a.week_start + to_days(d.d::integer))::date as day
    from $behaviour as a
    cross join range(7) as d (d)
    where
        a.week_start >= timestamp '$month_start' - interval 6 day
        and a.week_start < timestamp '$month_end'
),

in_month as (
    select
        *,
        date_diff('day', date '$w0', day) as day_num,
        year(day) * 10000 + month(day) * 100 + day(day) as yyyymmdd,
        greatest(1, floor(seats * clamp(adoption_base + 0.12 * h_eff, 0.05, 0.95)))::integer
            as user_pool,
        clamp(round(4 + 1.5 * breadth_base + 1.2 * h_eff), 2, 10)::integer as features_used
    from days
    where day >= date '$month_start' and day < date '$month_end' and day <= date '$end_date'
),

counts as (
    select
        *,
        least(
            999,
            floor(
                user_pool
                * $usage_rate
                * (case isodow(day) when 6 then 0.22 when 7 then 0.15 else 1.0 end)
                * (case when month(day) = 12 and day(day) >= 24 then 0.5
                    when month(day) = 1 and day(day) = 1 then 0.5 else 1.0 end)
                * exp(0.35 * h_eff + 0.35 * nrm('usage_day', cust_num, day_num))
                + rnd('usage_round', cust_num, day_num)
            )
        )::integer as n_events
    from in_month
),

-- No "where n_events > 0": an empty range yields no rows, and a filter would make DuckDB
-- compute n_events twice.
events as (
    select
        cust_num,
        day_num,
        yyyymmdd,
        user_pool,
        features_used,
        live_from_s,
        live_to_s,
        unnest(range(n_events)) as seq
    from counts
),

hashed as (
    select
        *,
        hbits('usage_a', cust_num, day_num * 1000 + seq) as ha,
        hbits('usage_b', cust_num, day_num * 1000 + seq) as hb
    from events
),

-- Times are epoch seconds until the end: integer arithmetic is much cheaper than intervals.
shaped as (
    select
        cust_num,
        yyyymmdd,
        seq,
        -- Skewed: a few power users account for most events, as in real products.
        1 + floor(user_pool * ubit(ha, 0) * ubit(ha, 0))::integer as user_num,
        1 + floor(features_used * ubit(ha, 1) * sqrt(ubit(ha, 1)))::integer as feature_num,
        $w0_epoch + day_num * 86400
        + floor(
            case
                -- Users outside the main time zones work at any hour.
                when ubit(hb, 0) < 0.2 then ubit(hb, 1) * 86400
                else 28800 + (ubit(hb, 1) + ubit(hb, 2)) * 21600
            end
        )::bigint as occurred_s,
        ubit(ha, 2) as u_quantity,
        live_from_s,
        live_to_s
    from hashed
),

-- Strings are built last, and customer_id comes from a join: at ~50 million rows, string
-- formatting costs more than everything else in an event.
final as (
    select
        'E' || (s.cust_num * 100000000000 + s.yyyymmdd * 1000 + s.seq)::varchar as event_id,
        c.customer_id,
        concat(c.customer_id, '-U', s.user_num::varchar) as user_id,
        [
            'dashboards', 'reports', 'search', 'collaboration', 'exports', 'alerts',
            'integrations', 'api', 'automation', 'settings'
        ][s.feature_num] as feature,
        make_timestamp(s.occurred_s * 1000000) as occurred_at,
        (1 + floor(-ln(1 - s.u_quantity) * [4, 4, 4, 4, 2, 4, 8, 25, 6, 4][s.feature_num]))::integer
            as quantity,
        s.occurred_s,
        s.cust_num,
        s.seq
    from shaped as s
    inner join cust as c on s.cust_num = c.cust_num
    where s.occurred_s > s.live_from_s and s.occurred_s < s.live_to_s
)

-- Integer keys sort faster than timestamps and strings and give the same total order.
select * exclude (occurred_s, cust_num, seq) from final
order by occurred_s, cust_num, seq
"""

_TICKETS_OUT = """
with counts as (
    select
        cust_num,
        w,
        week_start,
        live_from,
        live_to,
        h_eff,
        least(
            9,
            floor(
                0.11 * sqrt(seats / 20.0) * exp(-0.35 * h_eff)
                -- New customers ask more while onboarding.
                * (case when week_start < created_at + interval 56 day then 1.8 else 1.0 end)
                + rnd('tickets', cust_num, w)
            )
        )::integer as n_tickets
    from $behaviour
),

tickets as (
    select * exclude (n_tickets), unnest(range(n_tickets)) as j
    from counts
    where n_tickets > 0
),

opened as (
    select
        *,
        w * 10 + j as tkey,
        week_start + secs(rnd('t_open', cust_num, w * 10 + j) * 604800) as opened_at
    from tickets
),

prioritised as (
    select
        *,
        case
            when rnd('t_priority', cust_num, tkey) < 0.04 + 0.12 * sigmoid(-1.5 * h_eff)
                then 'urgent'
            when rnd('t_priority', cust_num, tkey) < 0.20 + 0.12 * sigmoid(-1.5 * h_eff)
                then 'high'
            when rnd('t_priority', cust_num, tkey) < 0.72 then 'normal'
            else 'low'
        end as priority,
        case
            when rnd('t_reopen', cust_num, tkey) < 0.02 + 0.10 * sigmoid(-1.5 * h_eff) then 2
            when rnd('t_reopen', cust_num, tkey) < 0.07 + 0.16 * sigmoid(-1.5 * h_eff) then 1
            else 0
        end as reopen_count
    from opened
    where opened_at > live_from and opened_at < live_to
),

timed as (
    select
        *,
        opened_at
        + secs(
            3600
            * (case priority when 'urgent' then 0.4 when 'high' then 1.5 when 'normal' then 5
                else 14 end)
            * exp(0.7 * nrm('t_response', cust_num, tkey))
        ) as responded_at,
        3600
        * (case priority when 'urgent' then 5 when 'high' then 20 when 'normal' then 40
            else 80 end)
        * exp(0.9 * nrm('t_resolve', cust_num, tkey) - 0.2 * h_eff)
        -- A reopened ticket takes days more.
        + reopen_count * 86400 * (1 + 4 * rnd('t_reopen_days', cust_num, tkey))
            as resolve_seconds
    from prioritised
),

resolved as (
    select *, responded_at + secs(resolve_seconds) as resolved_at_full
    from timed
),

final as (
    select
        'T' || (cust_num::bigint * 10000 + tkey)::varchar as ticket_id,
        cid(cust_num) as customer_id,
        opened_at,
        case when responded_at < timestamp '$end_excl' then responded_at end
            as first_response_at,
        case when resolved_at_full < timestamp '$end_excl' then resolved_at_full end
            as resolved_at,
        priority,
        -- Status as of the end date; resolved tickets auto-close after three days.
        case
            when resolved_at_full + interval 3 day < timestamp '$end_excl' then 'closed'
            when resolved_at_full < timestamp '$end_excl' then 'resolved'
            when responded_at < timestamp '$end_excl' and rnd('t_pending', cust_num, tkey) < 0.5
                then 'pending'
            else 'open'
        end as status,
        reopen_count,
        case
            when resolved_at_full < timestamp '$end_excl' and rnd('t_csat', cust_num, tkey) < 0.35
                then clamp(
                    round(
                        3.9 + 0.7 * h_eff
                        - (case when priority = 'urgent' then 0.5 else 0 end)
                        - 0.5 * reopen_count
                        + 0.9 * nrm('t_csat_score', cust_num, tkey)
                    ),
                    1,
                    5
                )::integer
        end as csat,
        case
            when priority = 'urgent' and rnd('t_channel', cust_num, tkey) < 0.35 then 'phone'
            when rnd('t_channel', cust_num, tkey) < 0.42 then 'email'
            when rnd('t_channel', cust_num, tkey) < 0.70 then 'chat'
            when rnd('t_channel', cust_num, tkey) < 0.88 then 'web'
            else 'phone'
        end as channel,
        cust_num,
        tkey
    from resolved
)

select * exclude (cust_num, tkey) from final
order by opened_at, cust_num, tkey
"""

# Score = centre + slope * health + noise, rounded and clamped to the kind's scale.
_SURVEYS_OUT = """
with kinds (
    kind_num, kind, base_rate, seat_power, lo, hi, centre, slope, noise, comment_rate
) as (
    values
        (1, 'nps', 0.035, 0.15, 0, 10, 7.4, 1.6, 1.4, 0.35),
        (2, 'csat', 0.05, 0.2, 1, 5, 4.0, 0.6, 0.8, 0.3),
        (3, 'thumbs', 0.12, 0.3, 0, 1, 0.0, 0.0, 0.0, 0.1),
        (4, 'emoji', 0.05, 0.3, 1, 5, 3.8, 0.7, 0.9, 0.15),
        (5, 'rating', 0.04, 0.3, 1, 5, 3.9, 0.6, 0.9, 0.25),
        (6, 'csm_pulse', 0.22, 0.0, 1, 5, 3.5, 0.9, 0.5, 0.7)
),

counts as (
    select
        a.cust_num,
        a.w,
        a.week_start,
        a.live_from,
        a.live_to,
        a.h_eff,
        a.created_at,
        k.kind_num,
        least(
            9,
            floor(
                k.base_rate * pow(a.seats / 20.0, k.seat_power)
                -- Only accounts with a CSM get the CSM's monthly pulse.
                * (case when k.kind = 'csm_pulse' and not a.has_csm then 0 else 1 end)
                + rnd('s_count', a.cust_num, a.w * 10 + k.kind_num)
            )
        )::integer as n_responses
    from $behaviour as a
    cross join kinds as k
),

responses as (
    select * exclude (n_responses), unnest(range(n_responses)) as j
    from counts
    where n_responses > 0
),

timed as (
    select
        r.*,
        k.kind,
        k.lo,
        k.hi,
        k.centre,
        k.slope,
        k.noise,
        k.comment_rate,
        (r.w * 10 + r.kind_num) * 10 + r.j as rkey,
        r.week_start + secs(rnd('s_at', r.cust_num, (r.w * 10 + r.kind_num) * 10 + r.j) * 604800)
            as responded_at
    from responses as r
    inner join kinds as k on r.kind_num = k.kind_num
),

scored as (
    select
        *,
        case
            when kind = 'thumbs'
                then (rnd('s_thumb', cust_num, rkey) < sigmoid(1.3 + 1.1 * h_eff))::integer
            else clamp(
                round(centre + slope * h_eff + noise * nrm('s_score', cust_num, rkey)), lo, hi
            )::integer
        end as score
    from timed
    where responded_at > live_from and responded_at < live_to
),

final as (
    select
        'R' || (cust_num::bigint * 100000 + rkey)::varchar as response_id,
        cid(cust_num) as customer_id,
        responded_at,
        kind,
        score,
        case
            when kind = 'csat' and responded_at < created_at + interval 90 day then 'onboarding'
            when kind in ('thumbs', 'emoji', 'rating')
                and responded_at < created_at + interval 60 day then 'onboarding'
            when kind = 'csat' and rnd('s_touch', cust_num, rkey) < 0.65 then 'support'
            when kind = 'csat' then 'billing'
            when kind in ('nps', 'csm_pulse') and rnd('s_touch', cust_num, rkey) < 0.3
                then 'renewal'
            else 'product'
        end as touchpoint,
        case
            when rnd('s_comment', cust_num, rkey) >= comment_rate then null
            when (score - lo) / (hi - lo) >= 0.75
                then [
                    'Great product, keeps getting better', 'Support was fast and helpful',
                    'Dashboards save us hours every week', 'Love the new reports',
                    'Ótimo produto, recomendo', 'Très bon outil', 'Smooth onboarding',
                    'Team is happy, expansion likely'
                ][1 + floor(8 * rnd('s_text', cust_num, rkey))::integer]
            when (score - lo) / (hi - lo) > 0.35
                then [
                    'Does the job', 'Some features are hard to find',
                    'OK, but exports could be faster', 'Waiting on the "bulk edit" feature',
                    'Pricing is a bit high for what we use', 'Mixed feedback from the team'
                ][1 + floor(6 * rnd('s_text', cust_num, rkey))::integer]
            else [
                'Too expensive for the value', 'Reports are slow and often time out',
                'Support took days to answer', 'We are evaluating other tools',
                'Integration keeps breaking, again', 'Nobody on the team uses it anymore',
                'Budget cuts, may not renew'
            ][1 + floor(7 * rnd('s_text', cust_num, rkey))::integer]
        end as comment,
        cust_num,
        rkey
    from scored
)

select * exclude (cust_num, rkey) from final
order by responded_at, cust_num, rkey
"""

# Calendar-month billing on the 1st, for every contract (annual ones are billed monthly too).
_INVOICES_OUT = """
with month_starts as (
    select m::timestamp as issued_at
    from range(date_trunc('month', date '$w0'), date '$end_excl', interval 1 month) as r (m)
    where m >= date '$w0'
),

billable as (
    select
        a.cust_num,
        a.h_eff,
        m.issued_at,
        date_diff('month', date '$w0', m.issued_at) as month_num
    from activity as a
    inner join month_starts as m
        on m.issued_at >= a.week_start and m.issued_at < a.week_start + interval 7 day
    where m.issued_at >= a.live_from and m.issued_at < a.live_to
),

priced as (
    select
        b.*,
        s.mrr as amount,
        s.currency,
        -- Starters pay by card on 14-day terms; larger accounts get 30-day terms.
        b.issued_at + (case when s.plan = 'starter' then interval 14 day else interval 30 day end)
            as due_at,
        rnd('i_status', b.cust_num, b.month_num) as u_status,
        rnd('i_late', b.cust_num, b.month_num) as u_late,
        rnd('i_pay', b.cust_num, b.month_num) as u_pay
    from billable as b
    asof inner join subs as s on b.cust_num = s.cust_num and b.issued_at >= s.started_at
),

-- Whether an invoice is paid on time is decided around its due date: by the health then. A due
-- date after the customer left, or past the window, keeps the health at issue.
at_due as (
    select
        p.*,
        coalesce(d.h_eff, p.h_eff) as h_due
    from priced as p
    left join activity as d
        on
            p.cust_num = d.cust_num
            and p.due_at >= d.week_start
            and p.due_at < d.week_start + interval 7 day
),

-- A healthy account (h_eff 1) pays ~6% of its invoices late, by ~6 days, and ~1% fail; one in
-- trouble (h_eff -1, or deep in its pre-churn dip) pays a third late, by ~3 weeks, and ~8% fail.
paid as (
    select
        *,
        case
            when u_status < 0.010 then 'void'
            when u_status < 0.018 then 'refunded'
            when u_status < 0.018 + 0.010 + 0.14 * sigmoid(-2 * h_eff - 2) then 'failed'
        end as terminal_status,
        case
            when u_late < 0.04 + 0.60 * sigmoid(-1.6 * h_due - 1.6)
                then due_at + secs(86400 * (1 + 10 * exp(-0.7 * h_due) * -ln(1 - u_pay)))
            else issued_at + secs(u_pay * date_diff('second', issued_at, due_at))
        end as paid_at_full
    from at_due
),

final as (
    select
        'INV-' || lpad(cust_num::varchar, $width, '0') || '-' || strftime(issued_at, '%Y%m')
            as invoice_id,
        cid(cust_num) as customer_id,
        issued_at,
        due_at,
        case
            when terminal_status in ('void', 'failed') then null
            when paid_at_full < timestamp '$end_excl' then paid_at_full
        end as paid_at,
        amount,
        currency,
        case
            when terminal_status is not null then terminal_status
            when paid_at_full < timestamp '$end_excl' then 'paid'
            else 'open'
        end as status,
        cust_num
    from paid
)

select * exclude (cust_num) from final
order by issued_at, cust_num
"""

# Touchpoints per customer-week and kind; rates fall with health (silence before churn).
_ENGAGEMENT_OUT = """
with kinds (kind_num, kind, base_rate, elasticity, has_sentiment, has_detail, needs_csm) as (
    values
        (1, 'email_opened', 0.9, 0.3, false, false, false),
        (2, 'email_clicked', 0.25, 0.45, false, false, false),
        (3, 'content_viewed', 0.35, 0.4, false, false, false),
        (4, 'webinar_attended', 0.05, 0.5, true, false, false),
        (5, 'training_completed', 0.04, 0.5, true, false, false),
        (6, 'event_invite_accepted', 0.02, 0.6, true, false, false),
        (7, 'meeting', 0.10, 0.2, true, false, true),
        (8, 'informal_meeting', 0.03, 0.4, true, false, true),
        (9, 'testimonial', 0.0005, 0.8, false, true, false),
        (10, 'spontaneous_feedback', 0.02, -0.1, false, true, false),
        (11, 'community_post', 0.05, 0.5, false, true, false),
        (12, 'like', 0.2, 0.5, false, false, false),
        (13, 'comment', 0.06, 0.4, false, true, false)
),

counts as (
    -- Only numbers travel through the cross join and the expansion.
    select
        a.cust_num,
        a.w,
        a.live_from_s,
        a.live_to_s,
        a.h_eff,
        k.kind_num,
        least(
            9,
            floor(
                k.base_rate * a.seat_factor * exp(k.elasticity * a.h_eff)
                -- Meetings need a CSM; tech-touch accounts rarely get one.
                * (case when k.needs_csm and not a.has_csm then 0.1 else 1.0 end)
                + rnd('e_count', a.cust_num, a.w * 100 + k.kind_num)
            )
        )::integer as n_touchpoints
    -- Once per customer-week, not once per kind: pow() is costly at 13 rows each.
    from (select *, pow(seats / 20.0, 0.35) as seat_factor from $behaviour) as a
    cross join kinds as k
),

touchpoints as (
    select * exclude (n_touchpoints), unnest(range(n_touchpoints)) as j
    from counts
    where n_touchpoints > 0
),

timed as (
    select
        *,
        (w * 100 + kind_num) * 10 + j as ekey,
        $w0_epoch + w * 604800
        + floor(rnd('e_at', cust_num, (w * 100 + kind_num) * 10 + j) * 604800)::bigint
            as occurred_s
    from touchpoints
),

final as (
    select
        -- Ids from one integer (customer, week, kind, index): padding strings is slow here.
        'G' || (t.cust_num::bigint * 1000000 + t.ekey)::varchar as touchpoint_id,
        c.customer_id,
        make_timestamp(t.occurred_s * 1000000) as occurred_at,
        k.kind,
        case
            -- Feedback on the session is asked after some touchpoints and not always given.
            when not k.has_sentiment or rnd('e_asked', t.cust_num, t.ekey) >= 0.6 then null
            when rnd('e_sentiment', t.cust_num, t.ekey) < sigmoid(0.8 + 1.0 * t.h_eff)
                then 'liked'
            when rnd('e_sentiment', t.cust_num, t.ekey)
                < sigmoid(0.8 + 1.0 * t.h_eff) + 0.7 * (1 - sigmoid(0.8 + 1.0 * t.h_eff))
                then 'indifferent'
            else 'wasted_time'
        end as sentiment,
        case
            when k.has_detail
                then greatest(
                    5, round(exp(4.3 + 0.8 * nrm('e_length', t.cust_num, t.ekey)))
                )::integer
        end as detail_length,
        t.occurred_s,
        t.cust_num,
        t.ekey
    from timed as t
    inner join kinds as k on t.kind_num = k.kind_num
    inner join cust as c on t.cust_num = c.cust_num
    where t.occurred_s > t.live_from_s and t.occurred_s < t.live_to_s
)

-- Integer keys sort faster than timestamps and strings and give the same total order.
select * exclude (occurred_s, cust_num, ekey) from final
order by occurred_s, cust_num, ekey
"""

_SINGLE_FILE_QUERIES: dict[str, str] = {
    "customers": _CUSTOMERS_OUT,
    "subscriptions": _SUBSCRIPTIONS_OUT,
    "support_tickets": _TICKETS_OUT,
    "surveys": _SURVEYS_OUT,
    "invoices": _INVOICES_OUT,
    "engagement": _ENGAGEMENT_OUT,
}

# Sessions per active user per weekday: tuned so the default size gives ~1 million events.
_USAGE_RATE = 0.07


def _month_starts(start: date, end: date) -> list[date]:
    """First day of every calendar month that overlaps [start, end]."""
    months = []
    current = start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def clean_output(out_dir: Path) -> None:
    """Remove files an earlier run of this generator wrote, in any format, and nothing else."""
    for source in SOURCES:
        folder = out_dir / source
        if not folder.is_dir():
            continue
        for ext in FORMATS:
            for old in folder.glob(f"{source}*.{ext}"):
                if old.is_file():
                    old.unlink()


def generate(
    out_dir: Path,
    customers: int,
    days: int,
    seed: int,
    fmt: str = "csv",
    end_date: date = DEFAULT_END_DATE,
    profile: str = DEFAULT.name,
) -> dict[str, int]:
    """Write the seven landing sources under ``out_dir``; return the rows written per source.

    ``profile`` names a business shape of ``orchestration.sample_profiles.PROFILES``.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    shape = PROFILES[profile]
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if customers < 1 or days < 1:
        raise ValueError("customers and days must be at least 1")
    if days > MAX_DAYS:
        # Week numbers have three digits inside the touchpoint, ticket and response ids.
        raise ValueError(f"days must be at most {MAX_DAYS}")

    out_dir = Path(out_dir)
    window_start = end_date - timedelta(days=days - 1)
    end_excl = end_date + timedelta(days=1)
    n_weeks = math.ceil(days / 7)
    kernel = HEALTH_KERNEL_WEEKS
    # A growing business: the window gets a larger share of sign-ups than its share of time.
    p_new = min(0.95, shape.new_customer_weight * days / (HISTORY_DAYS + days))
    params = {
        "n_plus_1": customers + 1,
        "width": max(6, len(str(customers))),
        "w0": window_start.isoformat(),
        "w0_epoch": (window_start - date(1970, 1, 1)).days * 86400,
        "end_date": end_date.isoformat(),
        "end_excl": end_excl.isoformat(),
        "p_new": p_new,
        "history_days": HISTORY_DAYS,
        "history_seconds": HISTORY_DAYS * 86400,
        # New customers sign up early enough in the window to leave a few days of activity.
        "new_span_seconds": int(days * 0.92 * 86400),
        "n_weeks": n_weeks,
        "kernel": kernel,
        "kernel_minus_1": kernel - 1,
        "kernel_norm": 1000 * math.sqrt(kernel * (kernel + 1) * (2 * kernel + 1) / 6),
        # Monthly terms over the history and the window, plus one spare.
        "max_periods": (HISTORY_DAYS + days) // 28 + 2,
        "hazard_a": shape.hazard_a,
        "hazard_b": shape.hazard_b,
        "usage_rate": _USAGE_RATE,
    }
    params |= {name: Template(sql).substitute(params) for name, sql in shape.fragments.items()}

    def render(template: str, **extra: object) -> str:
        return Template(template).substitute(params, **extra)

    for source in SOURCES:
        (out_dir / source).mkdir(parents=True, exist_ok=True)
    clean_output(out_dir)

    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="sample_data_") as spill_dir:
        con = duckdb.connect(
            config={"memory_limit": MEMORY_LIMIT, "temp_directory": spill_dir},
        )
        try:
            con.execute(render(_macros(seed)))
            for statement in (
                _CUSTOMERS_SQL,
                _HEALTH_SQL,
                _PERIODS_SQL,
                _CHURN_SQL,
                _SUBSCRIPTIONS_SQL,
                _ACTIVITY_SQL,
            ):
                con.execute(render(statement))

            def copy(query: str, target: Path, cursor: duckdb.DuckDBPyConnection = con) -> int:
                row = cursor.execute(
                    f"copy ({query}) to '{_sql_path(target)}' ({_COPY_OPTIONS[fmt]})"
                ).fetchone()
                return int(row[0]) if row else 0

            def copy_usage_month(month: date) -> int:
                next_month = (month + timedelta(days=32)).replace(day=1)
                query = render(
                    _USAGE_OUT, month_start=month.isoformat(), month_end=next_month.isoformat()
                )
                target = out_dir / "product_usage" / f"product_usage_{month:%Y-%m}.{fmt}"
                cursor = con.cursor()
                try:
                    return copy(query, target, cursor)
                finally:
                    cursor.close()

            for source in SOURCES:
                started = time.perf_counter()
                folder = out_dir / source
                if source == "product_usage":
                    months = _month_starts(window_start, end_date)
                    files = len(months)
                    # One single-threaded query per month, as many at once as DuckDB has
                    # threads: an ordered COPY has serial phases that leave cores idle. Each
                    # file's content is fixed by its own ORDER BY, so this stays deterministic.
                    threads = int(con.execute("select current_setting('threads')").fetchone()[0])
                    con.execute("set threads = 1")
                    try:
                        with ThreadPoolExecutor(max_workers=threads) as pool:
                            total = sum(pool.map(copy_usage_month, months))
                    finally:
                        con.execute(f"set threads = {threads}")
                else:
                    total = copy(render(_SINGLE_FILE_QUERIES[source]), folder / f"{source}.{fmt}")
                    files = 1
                counts[source] = total
                print(
                    f"{source:<16} {total:>12,} rows in {files:>2} file(s) -> {folder} "
                    f"({time.perf_counter() - started:.1f}s)",
                    flush=True,
                )
        finally:
            con.close()
    return counts


def _parse_date(value: str) -> date:
    return datetime.strptime(value, "%Y-%m-%d").date()


def main(argv: list[str] | None = None) -> dict[str, int]:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.sample_data",
        description=(
            "Generate realistic, reproducible sample landing files for the seven sources "
            "(customers, subscriptions, product_usage, support_tickets, surveys, invoices, "
            "engagement). The same arguments always produce byte-identical files."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="profiles (--profile), each a hidden truth behind churn:\n"
        + "\n".join(
            textwrap.fill(
                f"{p.name}: {p.summary}", width=88, initial_indent="  ", subsequent_indent="    "
            )
            for p in PROFILES.values()
        ),
    )
    parser.add_argument(
        "--customers", type=int, default=DEFAULT_CUSTOMERS, help="default %(default)s"
    )
    parser.add_argument(
        "--days",
        type=int,
        default=DEFAULT_DAYS,
        help="days of activity ending at --end-date (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="landing directory; files go to OUT/<source>/ (default %(default)s)",
    )
    parser.add_argument("--format", choices=FORMATS, default="csv", help="default %(default)s")
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        default=DEFAULT.name,
        help="the kind of business the sample imitates (default %(default)s; see below)",
    )
    parser.add_argument(
        "--end-date",
        type=_parse_date,
        default=DEFAULT_END_DATE,
        help=(
            "last day of the window, YYYY-MM-DD. Defaults to the fixed date %(default)s, not "
            "today, so that runs are reproducible."
        ),
    )
    args = parser.parse_args(argv)
    return generate(
        args.out, args.customers, args.days, args.seed, args.format, args.end_date, args.profile
    )


if __name__ == "__main__":
    main()
