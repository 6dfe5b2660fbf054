{#-
    Support experience per customer and score date, from tickets opened in the support window
    ending on the day. A customer with no ticket in the window has no row (no support data, not
    a perfect score). Point in time: a resolution or rating after the day is not yet known.
-#}
{%- set metrics = [
    'tickets_per_10_seats', 'urgent_high_pct', 'avg_resolution_days', 'reopen_pct', 'avg_ticket_csat'
] -%}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

windowed as (

    select
        tickets.customer_id,
        score_dates.score_date,
        tickets.priority,
        tickets.reopen_count,
        tickets.opened_at,
        case when cast(tickets.resolved_at as date) <= score_dates.score_date then tickets.resolved_at end as resolved_at,
        case when cast(tickets.resolved_at as date) <= score_dates.score_date then tickets.csat end as csat

    from tickets
    inner join score_dates
        on
            tickets.opened_date <= score_dates.score_date
            and tickets.opened_date
            > {{ dbt.dateadd('day', -var('support_window_days'), 'score_dates.score_date') }}

),

per_customer as (

    select
        customer_id,
        score_date,
        count(*) as tickets_opened,
        count(case when priority in ('high', 'urgent') then 1 end) as urgent_high_tickets,
        count(case when reopen_count > 0 then 1 end) as reopened_tickets,
        avg(case
            when resolved_at is not null
                then {{ dbt.datediff('opened_at', 'resolved_at', 'day') }}
        end) as avg_resolution_days,
        avg(csat) as avg_ticket_csat

    from windowed
    group by customer_id, score_date

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        per_customer.tickets_opened,
        per_customer.urgent_high_tickets,
        per_customer.reopened_tickets,
        10.0 * {{ ratio('per_customer.tickets_opened', 'lifecycle.seats_purchased') }}
            as tickets_per_10_seats,
        100.0 * {{ ratio('per_customer.urgent_high_tickets', 'per_customer.tickets_opened') }}
            as urgent_high_pct,
        per_customer.avg_resolution_days,
        100.0 * {{ ratio('per_customer.reopened_tickets', 'per_customer.tickets_opened') }}
            as reopen_pct,
        per_customer.avg_ticket_csat

    from per_customer
    left join lifecycle
        on
            per_customer.customer_id = lifecycle.customer_id
            and per_customer.score_date = lifecycle.score_date

),

{{ dimension_scores('support', metrics) }},

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
        dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.support_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
