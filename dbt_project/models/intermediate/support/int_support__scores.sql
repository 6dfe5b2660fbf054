{#-
    Support experience per customer over the support window, from tickets opened in it.
    A customer with no ticket in the window has no row (no support data, not a perfect score).
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

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

windowed as (

    select
        tickets.customer_id,
        tickets.priority,
        tickets.reopen_count,
        -- Only what was known on the as-of date: a later resolution or rating is not yet seen.
        case when tickets.resolved_at <= as_of.as_of_date then tickets.resolved_at end as resolved_at,
        case when tickets.resolved_at <= as_of.as_of_date then tickets.csat end as csat,
        tickets.opened_at

    from tickets
    cross join as_of
    where
        tickets.opened_date <= as_of.as_of_date
        and tickets.opened_date
        > {{ dbt.dateadd('day', -var('support_window_days'), 'as_of.as_of_date') }}

),

per_customer as (

    select
        customer_id,
        count(*) as tickets_opened,
        count(case when priority in ('high', 'urgent') then 1 end) as urgent_high_tickets,
        count(case when reopen_count > 0 then 1 end) as reopened_tickets,
        avg(case
            when resolved_at is not null
                then {{ dbt.datediff('opened_at', 'resolved_at', 'day') }}
        end) as avg_resolution_days,
        avg(csat) as avg_ticket_csat

    from windowed
    group by customer_id

),

metrics as (

    select
        per_customer.customer_id,
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
        on per_customer.customer_id = lifecycle.customer_id

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
        on metrics.customer_id = dimension_scores.customer_id

)

select * from final
