-- Support: each ticket counts on the days of its window (opened day to window_days later).
-- What is known of it changes on a few days only: its response or resolution day, or the day
-- its SLA runs out unanswered. So each ticket becomes +1/-1 events on those days, and a running
-- sum per customer gives every count on every day: no join of tickets to days.
create or replace temp table support_events as
with tickets as (
    select
        tickets.customer_id,
        tickets.opened_date,
        tickets.opened_date + ${support_window_days} as window_end_date,
        tickets.priority in ('high', 'urgent') as is_urgent_high,
        tickets.reopen_count > 0 as is_reopened,
        tickets.csat,
        -- A response or resolution is known from its day on (before the end of the day).
        cast(tickets.first_response_at as date) as first_response_date,
        cast(tickets.resolved_at as date) as resolved_date,
        (epoch(tickets.first_response_at) - epoch(tickets.opened_at)) <= 3600 * sla.first_response_hours
            as is_first_response_in_sla,
        (epoch(tickets.resolved_at) - epoch(tickets.opened_at)) <= 3600 * sla.resolution_hours as is_resolved_in_sla,
        -- The first day whose end is past the SLA: unanswered from then on is a breach.
        cast(tickets.opened_at + to_seconds(3600 * sla.first_response_hours) as date) as first_response_breach_date,
        cast(tickets.opened_at + to_seconds(3600 * sla.resolution_hours) as date) as resolution_breach_date
    from stg_tickets as tickets
    left join seed_support_sla as sla
        on coalesce(tickets.priority, 'normal') = sla.priority
    where tickets.opened_date <= cast('${last_date}' as date)
),

spans as (
    select
        customer_id,
        window_end_date,
        opened_date,
        is_urgent_high,
        is_reopened,
        csat,
        -- (greatest and least skip nulls: a missing date must stay missing.)
        case when resolved_date is not null then greatest(opened_date, resolved_date) end as csat_known_date,
        case
            when first_response_breach_date is not null
                then greatest(opened_date, least(first_response_date, first_response_breach_date))
        end as first_response_known_date,
        case when is_first_response_in_sla then greatest(opened_date, first_response_date) end
            as first_response_in_sla_date,
        case
            when resolution_breach_date is not null
                then greatest(opened_date, least(resolved_date, resolution_breach_date))
        end as resolution_known_date,
        case when is_resolved_in_sla then greatest(opened_date, resolved_date) end as resolved_in_sla_date
    from tickets
),

events as (
    select
        customer_id,
        opened_date as day,
        1 as tickets,
        case when is_urgent_high then 1 else 0 end as urgent_high,
        case when is_reopened then 1 else 0 end as reopened,
        0 as csat_count,
        0.0 as csat_sum,
        0 as first_response_known,
        0 as first_response_in_sla,
        0 as resolution_known,
        0 as resolved_in_sla
    from spans
    union all
    select
        customer_id, window_end_date, -1, case when is_urgent_high then -1 else 0 end,
        case when is_reopened then -1 else 0 end,
        case when csat is not null and csat_known_date < window_end_date then -1 else 0 end,
        case when csat is not null and csat_known_date < window_end_date then -csat else 0.0 end,
        case when first_response_known_date < window_end_date then -1 else 0 end,
        case when first_response_in_sla_date < window_end_date then -1 else 0 end,
        case when resolution_known_date < window_end_date then -1 else 0 end,
        case when resolved_in_sla_date < window_end_date then -1 else 0 end
    from spans
    union all
    select customer_id, csat_known_date, 0, 0, 0, 1, csat, 0, 0, 0, 0
    from spans where csat is not null and csat_known_date < window_end_date
    union all
    select customer_id, first_response_known_date, 0, 0, 0, 0, 0.0, 1, 0, 0, 0
    from spans where first_response_known_date < window_end_date
    union all
    select customer_id, first_response_in_sla_date, 0, 0, 0, 0, 0.0, 0, 1, 0, 0
    from spans where first_response_in_sla_date < window_end_date
    union all
    select customer_id, resolution_known_date, 0, 0, 0, 0, 0.0, 0, 0, 1, 0
    from spans where resolution_known_date < window_end_date
    union all
    select customer_id, resolved_in_sla_date, 0, 0, 0, 0, 0.0, 0, 0, 0, 1
    from spans where resolved_in_sla_date < window_end_date
)

select
    customer_id,
    day,
    sum(sum(tickets)) over running as tickets_opened,
    sum(sum(urgent_high)) over running as urgent_high_tickets,
    sum(sum(reopened)) over running as reopened_tickets,
    sum(sum(csat_count)) over running as csat_count,
    sum(sum(csat_sum)) over running as csat_sum,
    sum(sum(first_response_known)) over running as first_response_sla_known,
    sum(sum(first_response_in_sla)) over running as first_response_in_sla,
    sum(sum(resolution_known)) over running as resolution_sla_known,
    sum(sum(resolved_in_sla)) over running as resolved_in_sla
from events
group by customer_id, day
window running as (partition by customer_id order by day rows unbounded preceding);

create or replace temp table support_per_customer as
select
    lifecycle.customer_id,
    lifecycle.score_date,
    running.tickets_opened,
    running.urgent_high_tickets,
    running.reopened_tickets,
    running.first_response_sla_known,
    running.first_response_in_sla,
    running.resolution_sla_known,
    running.resolved_in_sla,
    running.csat_sum / nullif(running.csat_count, 0) as avg_ticket_csat
from lifecycle
asof inner join support_events as running
    on lifecycle.customer_id = running.customer_id and lifecycle.score_date >= running.day
where running.tickets_opened > 0;

create or replace temp table support_metrics as
select
    p.customer_id,
    p.score_date,
    lifecycle.plan,
    ${support_window_days} as window_days,
    lifecycle.seats_purchased,
    p.tickets_opened,
    p.urgent_high_tickets,
    p.reopened_tickets,
    p.resolution_sla_known - p.resolved_in_sla as resolution_sla_breaches,
    10.0 * cast(p.tickets_opened as double) / nullif(cast(lifecycle.seats_purchased as double), 0) as tickets_per_10_seats,
    100.0 * cast(p.urgent_high_tickets as double) / nullif(cast(p.tickets_opened as double), 0) as urgent_high_pct,
    100.0 * cast(p.first_response_in_sla as double) / nullif(cast(p.first_response_sla_known as double), 0)
        as first_response_sla_pct,
    100.0 * cast(p.resolved_in_sla as double) / nullif(cast(p.resolution_sla_known as double), 0) as resolution_sla_pct,
    100.0 * cast(p.reopened_tickets as double) / nullif(cast(p.tickets_opened as double), 0) as reopen_pct,
    p.avg_ticket_csat
from support_per_customer as p
inner join lifecycle
    on p.customer_id = lifecycle.customer_id and p.score_date = lifecycle.score_date;

-- Satisfaction: survey answers of the window, weighted by recency (the day-dependent decay is
-- computed per answer and day).
create or replace temp table satisfaction_windowed as
select
    responses.customer_id,
    score_dates.score_date,
    responses.response_id,
    responses.survey_kind,
    coalesce(responses.touchpoint, '(none)') as touchpoint,
    responses.score,
    responses.responded_at,
    date_diff('day', responses.responded_date, score_dates.score_date) as age_days,
    coalesce(
        power(0.5, cast(date_diff('day', responses.responded_date, score_dates.score_date) as double)
        / nullif(${satisfaction_half_life_days}, 0)),
        1.0
    ) as recency_weight,
    100.0 * cast(responses.score - kinds.min_score as double)
    / nullif(cast(kinds.max_score - kinds.min_score as double), 0) as score_pct
from stg_responses as responses
inner join seed_survey_kinds as kinds
    on responses.survey_kind = kinds.survey_kind
inner join score_dates
    on
        responses.responded_date <= score_dates.score_date
        and responses.responded_date > score_dates.score_date - ${satisfaction_window_days};

create or replace temp table satisfaction_metrics as
with nps_latest as (
    select customer_id, score_date, score, age_days, recency_weight
    from satisfaction_windowed
    where survey_kind = 'nps'
    qualify row_number() over (partition by customer_id, score_date order by responded_at desc, response_id desc) = 1
),

micro_by_touchpoint as (
    select
        customer_id,
        score_date,
        touchpoint,
        sum(case when score_pct is not null then score_pct * recency_weight end)
        / nullif(sum(case when score_pct is not null then recency_weight end), 0) as touchpoint_rating_pct,
        max(recency_weight) as recency_weight
    from satisfaction_windowed
    where survey_kind in ('thumbs', 'emoji', 'rating')
    group by all
),

micro_ratings as (
    select
        customer_id,
        score_date,
        avg(touchpoint_rating_pct) as micro_rating_pct,
        max(recency_weight) as micro_rating_recency
    from micro_by_touchpoint
    group by all
),

per_customer as (
    select
        customer_id,
        score_date,
        count(*) as responses,
        sum(case when (case when survey_kind = 'csat' then score_pct end) is not null
            then (case when survey_kind = 'csat' then score_pct end) * recency_weight end)
        / nullif(sum(case when (case when survey_kind = 'csat' then score_pct end) is not null then recency_weight end), 0)
            as csat_pct,
        max(case when survey_kind = 'csat' then recency_weight end) as csat_recency,
        sum(case when (case when survey_kind = 'csm_pulse' then score_pct end) is not null
            then (case when survey_kind = 'csm_pulse' then score_pct end) * recency_weight end)
        / nullif(sum(case when (case when survey_kind = 'csm_pulse' then score_pct end) is not null then recency_weight end), 0)
            as csm_pulse_pct,
        max(case when survey_kind = 'csm_pulse' then recency_weight end) as csm_pulse_recency
    from satisfaction_windowed
    group by all
)

select
    per_customer.customer_id,
    per_customer.score_date,
    lifecycle.plan,
    nps_latest.score as latest_nps,
    nps_latest.age_days as latest_nps_age_days,
    nps_latest.recency_weight as latest_nps_recency,
    case
        when nps_latest.score >= settings.nps_promoter_min_score then 'promoter'
        when nps_latest.score <= settings.nps_detractor_max_score then 'detractor'
        when nps_latest.score is not null then 'passive'
    end as nps_category,
    coalesce(
        nps_latest.score <= settings.nps_detractor_max_score and nps_latest.age_days <= settings.detractor_recent_days,
        false
    ) as has_recent_detractor,
    settings.detractor_cap_score,
    per_customer.csat_pct,
    per_customer.csat_recency,
    micro_ratings.micro_rating_pct,
    micro_ratings.micro_rating_recency,
    per_customer.csm_pulse_pct,
    per_customer.csm_pulse_recency
from per_customer
cross join settings
left join nps_latest
    on per_customer.customer_id = nps_latest.customer_id and per_customer.score_date = nps_latest.score_date
left join micro_ratings
    on per_customer.customer_id = micro_ratings.customer_id and per_customer.score_date = micro_ratings.score_date
inner join lifecycle
    on per_customer.customer_id = lifecycle.customer_id and per_customer.score_date = lifecycle.score_date;

-- Financial: invoices issued in the window plus any still unpaid on the day.
create or replace temp table financial_metrics as
with known as (
    select
        invoices.customer_id,
        score_dates.score_date,
        invoices.amount,
        coalesce(invoices.currency, '${reporting_currency}') as currency,
        invoices.invoice_status,
        invoices.due_date,
        case when invoices.paid_date <= score_dates.score_date then invoices.paid_date end as paid_date,
        invoices.issued_date > score_dates.score_date - ${financial_window_days} as is_in_window,
        invoices.issued_date > score_dates.score_date - ${financial_freshness_days} as is_fresh
    from stg_invoices as invoices
    inner join score_dates
        on
            invoices.issued_date <= score_dates.score_date
            and (
                invoices.issued_date > score_dates.score_date - ${financial_window_days}
                or invoices.paid_date is null
                or invoices.paid_date > score_dates.score_date
            )
    where coalesce(invoices.invoice_status, '') not in ('void', 'refunded')
),

flagged as (
    select
        *,
        paid_date is null and due_date < score_date and coalesce(invoice_status, '') <> 'failed' as is_overdue,
        case
            when paid_date is null and due_date < score_date and coalesce(invoice_status, '') <> 'failed'
                then date_diff('day', due_date, score_date)
            when paid_date > due_date and is_in_window
                then date_diff('day', due_date, paid_date)
            else 0
        end as days_past_due
    from known
    where is_in_window or (paid_date is null and due_date < score_date and coalesce(invoice_status, '') <> 'failed')
),

in_mrr_currency as (
    select
        flagged.*,
        case
            when flagged.currency = coalesce(lifecycle.currency, '${reporting_currency}') then flagged.amount
            else flagged.amount * invoice_rate.rate_to_reporting / nullif(mrr_rate.rate_to_reporting, 0)
        end as amount_in_mrr_currency
    from flagged
    left join lifecycle
        on flagged.customer_id = lifecycle.customer_id and flagged.score_date = lifecycle.score_date
    left join fx_rates as invoice_rate
        on flagged.score_date = invoice_rate.score_date and flagged.currency = invoice_rate.currency
    left join fx_rates as mrr_rate
        on
            flagged.score_date = mrr_rate.score_date
            and coalesce(lifecycle.currency, '${reporting_currency}') = mrr_rate.currency
),

per_customer as (
    select
        customer_id,
        score_date,
        count(*) as invoices_considered,
        sum(case when is_overdue then amount else 0 end) as overdue_amount,
        case
            when count(case when is_overdue and amount_in_mrr_currency is null then 1 end) = 0
                then sum(case when is_overdue then amount_in_mrr_currency else 0 end)
        end as overdue_amount_in_mrr_currency,
        max(days_past_due) as max_days_past_due,
        count(case when invoice_status = 'failed' and is_in_window and due_date <= score_date then 1 end)
            as failed_payments,
        count(case when is_in_window and paid_date is not null then 1 end) as invoices_paid,
        count(case when is_in_window and paid_date > due_date then 1 end) as invoices_paid_late
    from in_mrr_currency
    group by all
    having bool_or(is_fresh or paid_date is null)
)

select
    per_customer.customer_id,
    per_customer.score_date,
    lifecycle.plan,
    ${financial_window_days} as window_days,
    per_customer.overdue_amount,
    case
        when lifecycle.mrr > 0
            then cast(per_customer.overdue_amount_in_mrr_currency as double) / nullif(cast(lifecycle.mrr as double), 0)
        when per_customer.overdue_amount > 0 then 1.0
        else 0.0
    end as overdue_to_mrr_ratio,
    per_customer.max_days_past_due,
    per_customer.failed_payments,
    100.0 * cast(per_customer.invoices_paid_late as double) / nullif(cast(per_customer.invoices_paid as double), 0)
        as late_paid_pct
from per_customer
inner join lifecycle
    on per_customer.customer_id = lifecycle.customer_id and per_customer.score_date = lifecycle.score_date;
