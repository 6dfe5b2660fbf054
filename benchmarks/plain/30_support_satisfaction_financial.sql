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

drop table temp.main.support_events;

-- Satisfaction over dense spines with window frames. Recency weights 0.5^(age / half-life) are
-- decayed sums: anchored like engagement's (see 40_engagement_relationship.sql), with the latest
-- answer day decayed directly, so a lone answer's weighted mean is exactly the dbt model's.
create or replace macro decay(age_days) as
    coalesce(power(0.5, cast(age_days as double) / nullif(${satisfaction_half_life_days}, 0)), 1.0);

create or replace macro anchor_decay(day) as
    decay(date_diff('day', cast('${satisfaction_anchor_date}' as date), day));

create or replace temp table satisfaction_daily as
with answers as (
    select
        responses.customer_id,
        responses.responded_date,
        responses.survey_kind,
        coalesce(responses.touchpoint, '(none)') as touchpoint,
        100.0 * cast(responses.score - kinds.min_score as double)
        / nullif(cast(kinds.max_score - kinds.min_score as double), 0) as score_pct,
        coalesce(
            power(2.0, cast(date_diff('day', cast('${satisfaction_anchor_date}' as date), responses.responded_date) as double)
            / nullif(${satisfaction_half_life_days}, 0)),
            1.0
        ) as anchor_weight
    from stg_responses as responses
    inner join seed_survey_kinds as kinds
        on responses.survey_kind = kinds.survey_kind
    where
        responses.responded_date > cast('${satisfaction_anchor_date}' as date)
        and responses.responded_date <= cast('${last_date}' as date)
)

select
    customer_id,
    responded_date as day,
    case when survey_kind in ('thumbs', 'emoji', 'rating') then 'micro' else survey_kind end as metric_kind,
    case when survey_kind in ('thumbs', 'emoji', 'rating') then touchpoint else '' end as touchpoint,
    count(*) as answers,
    count(score_pct) as scored_answers,
    sum(score_pct) as pct_sum,
    sum(score_pct * anchor_weight) as anchored_pct,
    sum(case when score_pct is not null then anchor_weight end) as anchored_weight
from answers
group by all;

-- The latest NPS answer of each day (later answer, then higher id, wins), read with an as-of join.
create or replace temp table satisfaction_nps_by_day as
select customer_id, responded_date as day, score
from stg_responses
where survey_kind = 'nps' and responded_date <= cast('${last_date}' as date)
qualify row_number() over (
    partition by customer_id, responded_date order by responded_at desc, response_id desc
) = 1;

-- Micro-ratings: the recency-weighted mean per touchpoint, then the mean over touchpoints.
create or replace temp table satisfaction_micro as
with spine as (
    select
        pairs.customer_id,
        pairs.touchpoint,
        cast(days.day as date) as score_date,
        case when daily.answers > 0 then cast(days.day as date) end as micro_date,
        daily.scored_answers as micro_scored,
        daily.pct_sum as micro_pct_sum,
        daily.anchored_pct as micro_anchored_pct,
        daily.anchored_weight as micro_anchored_weight
    from (select distinct customer_id, touchpoint from satisfaction_daily where metric_kind = 'micro') as pairs
    cross join generate_series(
        cast(cast('${satisfaction_anchor_date}' as date) + 1 as timestamp), cast('${last_date}' as timestamp), interval 1 day
    ) as days (day)
    left join satisfaction_daily as daily
        on
            pairs.customer_id = daily.customer_id
            and pairs.touchpoint = daily.touchpoint
            and daily.metric_kind = 'micro'
            and cast(days.day as date) = daily.day
),

windowed as (
    select
        customer_id,
        score_date,
        max(micro_date) over w as last_micro_date,
        arg_max(micro_pct_sum, micro_date) over w as last_micro_pct_sum,
        arg_max(micro_scored, micro_date) over w as last_micro_scored,
        sum(micro_anchored_pct) over w - arg_max(micro_anchored_pct, micro_date) over w as earlier_micro_anchored_pct,
        sum(micro_anchored_weight) over w - arg_max(micro_anchored_weight, micro_date) over w
            as earlier_micro_anchored_weight
    from spine
    window w as (
        partition by customer_id, touchpoint order by score_date
        rows between ${satisfaction_window_minus_1} preceding and current row
    )
)

select
    customer_id,
    score_date,
    avg((
        last_micro_pct_sum * decay(score_date - last_micro_date) + earlier_micro_anchored_pct * anchor_decay(score_date)
    ) / nullif(last_micro_scored * decay(score_date - last_micro_date) + earlier_micro_anchored_weight * anchor_decay(score_date), 0)) as micro_rating_pct,
    max(decay(score_date - last_micro_date)) as micro_rating_recency
from windowed
where score_date >= cast('${first_date}' as date) and last_micro_date is not null
group by customer_id, score_date;

create or replace temp table satisfaction_metrics as
with kinds_daily as (
    select
        customer_id,
        day,
        sum(answers) as answers,
        sum(case when metric_kind = 'csat' then answers end) as csat_answers,
        sum(case when metric_kind = 'csat' then scored_answers end) as csat_scored,
        sum(case when metric_kind = 'csat' then pct_sum end) as csat_pct_sum,
        sum(case when metric_kind = 'csat' then anchored_pct end) as csat_anchored_pct,
        sum(case when metric_kind = 'csat' then anchored_weight end) as csat_anchored_weight,
        sum(case when metric_kind = 'csm_pulse' then answers end) as csm_pulse_answers,
        sum(case when metric_kind = 'csm_pulse' then scored_answers end) as csm_pulse_scored,
        sum(case when metric_kind = 'csm_pulse' then pct_sum end) as csm_pulse_pct_sum,
        sum(case when metric_kind = 'csm_pulse' then anchored_pct end) as csm_pulse_anchored_pct,
        sum(case when metric_kind = 'csm_pulse' then anchored_weight end) as csm_pulse_anchored_weight
    from satisfaction_daily
    group by customer_id, day
),

spine as (
    select
        customers.customer_id,
        cast(days.day as date) as score_date,
        kinds_daily.answers,
        case when kinds_daily.csat_answers > 0 then cast(days.day as date) end as csat_date,
        kinds_daily.csat_scored,
        kinds_daily.csat_pct_sum,
        kinds_daily.csat_anchored_pct,
        kinds_daily.csat_anchored_weight,
        case when kinds_daily.csm_pulse_answers > 0 then cast(days.day as date) end as csm_pulse_date,
        kinds_daily.csm_pulse_scored,
        kinds_daily.csm_pulse_pct_sum,
        kinds_daily.csm_pulse_anchored_pct,
        kinds_daily.csm_pulse_anchored_weight
    from (select distinct customer_id from kinds_daily) as customers
    cross join generate_series(
        cast(cast('${satisfaction_anchor_date}' as date) + 1 as timestamp), cast('${last_date}' as timestamp), interval 1 day
    ) as days (day)
    left join kinds_daily
        on customers.customer_id = kinds_daily.customer_id and cast(days.day as date) = kinds_daily.day
),

windowed as (
    select
        customer_id,
        score_date,
        sum(answers) over w as responses,
        max(csat_date) over w as last_csat_date,
        arg_max(csat_pct_sum, csat_date) over w as last_csat_pct_sum,
        arg_max(csat_scored, csat_date) over w as last_csat_scored,
        sum(csat_anchored_pct) over w - arg_max(csat_anchored_pct, csat_date) over w as earlier_csat_anchored_pct,
        sum(csat_anchored_weight) over w - arg_max(csat_anchored_weight, csat_date) over w
            as earlier_csat_anchored_weight,
        max(csm_pulse_date) over w as last_csm_pulse_date,
        arg_max(csm_pulse_pct_sum, csm_pulse_date) over w as last_csm_pulse_pct_sum,
        arg_max(csm_pulse_scored, csm_pulse_date) over w as last_csm_pulse_scored,
        sum(csm_pulse_anchored_pct) over w - arg_max(csm_pulse_anchored_pct, csm_pulse_date) over w as earlier_csm_pulse_anchored_pct,
        sum(csm_pulse_anchored_weight) over w - arg_max(csm_pulse_anchored_weight, csm_pulse_date) over w
            as earlier_csm_pulse_anchored_weight
    from spine
    window w as (partition by customer_id order by score_date rows between ${satisfaction_window_minus_1} preceding and current row)
),

per_customer as (
    select
        customer_id,
        score_date,
        (
        last_csat_pct_sum * decay(score_date - last_csat_date) + earlier_csat_anchored_pct * anchor_decay(score_date)
    ) / nullif(last_csat_scored * decay(score_date - last_csat_date) + earlier_csat_anchored_weight * anchor_decay(score_date), 0) as csat_pct,
        decay(score_date - last_csat_date) as csat_recency,
        (
        last_csm_pulse_pct_sum * decay(score_date - last_csm_pulse_date) + earlier_csm_pulse_anchored_pct * anchor_decay(score_date)
    ) / nullif(last_csm_pulse_scored * decay(score_date - last_csm_pulse_date) + earlier_csm_pulse_anchored_weight * anchor_decay(score_date), 0) as csm_pulse_pct,
        decay(score_date - last_csm_pulse_date) as csm_pulse_recency
    from windowed
    where score_date >= cast('${first_date}' as date) and responses > 0
),

with_nps as (
    select
        per_customer.*,
        case when nps.day > per_customer.score_date - ${satisfaction_window_days} then nps.score end as latest_nps,
        case
            when nps.day > per_customer.score_date - ${satisfaction_window_days}
                then date_diff('day', nps.day, per_customer.score_date)
        end as latest_nps_age_days
    from per_customer
    asof left join satisfaction_nps_by_day as nps
        on per_customer.customer_id = nps.customer_id and per_customer.score_date >= nps.day
)

select
    with_nps.customer_id,
    with_nps.score_date,
    lifecycle.plan,
    with_nps.latest_nps,
    with_nps.latest_nps_age_days,
    case when with_nps.latest_nps_age_days is not null then decay(with_nps.latest_nps_age_days) end as latest_nps_recency,
    case
        when with_nps.latest_nps >= settings.nps_promoter_min_score then 'promoter'
        when with_nps.latest_nps <= settings.nps_detractor_max_score then 'detractor'
        when with_nps.latest_nps is not null then 'passive'
    end as nps_category,
    coalesce(
        with_nps.latest_nps <= settings.nps_detractor_max_score
        and with_nps.latest_nps_age_days <= settings.detractor_recent_days,
        false
    ) as has_recent_detractor,
    settings.detractor_cap_score,
    with_nps.csat_pct,
    with_nps.csat_recency,
    micro.micro_rating_pct,
    micro.micro_rating_recency,
    with_nps.csm_pulse_pct,
    with_nps.csm_pulse_recency
from with_nps
cross join settings
left join satisfaction_micro as micro
    on with_nps.customer_id = micro.customer_id and with_nps.score_date = micro.score_date
inner join lifecycle
    on with_nps.customer_id = lifecycle.customer_id and with_nps.score_date = lifecycle.score_date;

drop table temp.main.satisfaction_daily;
drop table temp.main.satisfaction_nps_by_day;
drop table temp.main.satisfaction_micro;

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
