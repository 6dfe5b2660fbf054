{#-
    Support experience per customer and score date, from tickets opened in the support window
    ending on the day (`dimension_settings` seed): tickets per seat, share urgent or high, the
    share answered and resolved within the SLA of their priority (`support_sla` seed), reopen rate
    and ticket CSAT. Point in time: a response, resolution or rating after the day is not yet
    known; a ticket whose SLA has not yet run out and is still waiting does not count either way.

    No ticket in the window is no support data (no row), except under the silence rule: an
    account with at least `support_silence_min_seats` seats whose usage sub-score is under
    `support_silence_max_usage_score` (or missing) is not quietly happy but silent, and gets
    `support_silence_score` (health_settings seed).
-#}
{%- set metrics = dimension_metrics()['support'] -%}
{%- set end_of_score_date = end_of_day('score_dates.score_date') -%}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

usage_scores as (

    select * from {{ ref('int_usage__scores') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

support_sla as (

    select * from {{ ref('support_sla') }}

),

support_settings as (

    {{ dimension_settings_row('support') }}

),

settings as (

    {{ settings_row(['support_silence_min_seats', 'support_silence_max_usage_score', 'support_silence_score']) }}

),

windowed as (

    select
        tickets.customer_id,
        score_dates.score_date,
        support_settings.window_days,
        tickets.ticket_id,
        tickets.priority,
        tickets.reopen_count,
        case when tickets.resolved_at < {{ end_of_score_date }} then tickets.csat end as csat,
        case
            when tickets.first_response_at < {{ end_of_score_date }}
                then {{ seconds_between('tickets.opened_at', 'tickets.first_response_at') }}
                    <= 3600 * support_sla.first_response_hours
            when {{ seconds_between('tickets.opened_at', end_of_score_date) }} > 3600 * support_sla.first_response_hours
                then false
        end as is_first_response_in_sla,
        case
            when tickets.resolved_at < {{ end_of_score_date }}
                then {{ seconds_between('tickets.opened_at', 'tickets.resolved_at') }}
                    <= 3600 * support_sla.resolution_hours
            when {{ seconds_between('tickets.opened_at', end_of_score_date) }} > 3600 * support_sla.resolution_hours
                then false
        end as is_resolved_in_sla

    from tickets
    cross join support_settings
    inner join score_dates
        on
            tickets.opened_date <= score_dates.score_date
            and tickets.opened_date
            > {{ dbt.dateadd('day', '-support_settings.window_days', 'score_dates.score_date') }}
    left join support_sla
        on coalesce(tickets.priority, 'normal') = support_sla.priority

),

per_customer as (

    select
        customer_id,
        score_date,
        max(window_days) as window_days,
        count(*) as tickets_opened,
        count(case when priority in ('high', 'urgent') then 1 end) as urgent_high_tickets,
        count(case when reopen_count > 0 then 1 end) as reopened_tickets,
        count(is_first_response_in_sla) as first_response_sla_known,
        count(case when is_first_response_in_sla then 1 end) as first_response_in_sla,
        count(is_resolved_in_sla) as resolution_sla_known,
        count(case when is_resolved_in_sla then 1 end) as resolved_in_sla,
        {{ exact_avg('csat') }} as avg_ticket_csat

    from windowed
    group by customer_id, score_date

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        lifecycle.plan,
        per_customer.window_days,
        lifecycle.seats_purchased,
        per_customer.tickets_opened,
        per_customer.urgent_high_tickets,
        per_customer.reopened_tickets,
        per_customer.resolution_sla_known - per_customer.resolved_in_sla as resolution_sla_breaches,
        10.0 * {{ ratio('per_customer.tickets_opened', 'lifecycle.seats_purchased') }}
            as tickets_per_10_seats,
        100.0 * {{ ratio('per_customer.urgent_high_tickets', 'per_customer.tickets_opened') }}
            as urgent_high_pct,
        100.0 * {{ ratio('per_customer.first_response_in_sla', 'per_customer.first_response_sla_known') }}
            as first_response_sla_pct,
        100.0 * {{ ratio('per_customer.resolved_in_sla', 'per_customer.resolution_sla_known') }}
            as resolution_sla_pct,
        100.0 * {{ ratio('per_customer.reopened_tickets', 'per_customer.tickets_opened') }}
            as reopen_pct,
        per_customer.avg_ticket_csat

    from per_customer
    -- Known customers only: rows of a customer missing from the CRM are reported by
    -- int_quality__findings and never scored.
    inner join lifecycle
        on
            per_customer.customer_id = lifecycle.customer_id
            and per_customer.score_date = lifecycle.score_date

),

{{ dimension_scores('support', metrics) }},

with_tickets as (

    select
        metrics.*,
        {% for metric in metrics -%}
            dimension_scores.{{ metric }}_score,
        {% endfor -%}
        false as is_support_silence,
        dimension_scores.support_score_raw as support_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

),

silent as (

    -- Silence rule: a large account with low (or no) usage and no ticket in the window.
    select
        lifecycle.customer_id,
        lifecycle.score_date,
        lifecycle.plan,
        support_settings.window_days,
        lifecycle.seats_purchased,
        0 as tickets_opened,
        settings.support_silence_score

    from lifecycle
    cross join settings
    cross join support_settings
    left join per_customer
        on
            lifecycle.customer_id = per_customer.customer_id
            and lifecycle.score_date = per_customer.score_date
    left join usage_scores
        on
            lifecycle.customer_id = usage_scores.customer_id
            and lifecycle.score_date = usage_scores.score_date
    where
        lifecycle.lifecycle_status in ('active', 'churning')
        and per_customer.customer_id is null
        and lifecycle.seats_purchased >= settings.support_silence_min_seats
        and coalesce(usage_scores.usage_score, 0) < settings.support_silence_max_usage_score

),

final as (

    select * from with_tickets

    union all

    select
        customer_id,
        score_date,
        plan,
        window_days,
        seats_purchased,
        tickets_opened,
        cast(null as bigint) as urgent_high_tickets,
        cast(null as bigint) as reopened_tickets,
        cast(null as bigint) as resolution_sla_breaches,
        {% for metric in metrics -%}
            cast(null as double) as {{ metric }},
        {% endfor -%}
        {% for metric in metrics -%}
            cast(null as double) as {{ metric }}_score,
        {% endfor -%}
        true as is_support_silence,
        support_silence_score as support_score

    from silent

)

select * from final
