{#-
    Financial health per customer and score date: invoices issued in the financial window
    ending on the day, plus any invoice still unpaid then. Point in time: a payment after the
    day is unpaid on it. A customer with no such invoice has no row.
-#}
{%- set metrics = ['overdue_to_mrr_ratio', 'max_days_past_due', 'failed_payments', 'late_paid_pct'] -%}
with

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

known as (

    select
        invoices.customer_id,
        score_dates.score_date,
        invoices.invoice_id,
        invoices.amount,
        invoices.invoice_status,
        invoices.due_date,
        case when invoices.paid_date <= score_dates.score_date then invoices.paid_date end as paid_date,
        invoices.issued_date
        > {{ dbt.dateadd('day', -var('financial_window_days'), 'score_dates.score_date') }}
        as is_in_window

    from invoices
    inner join score_dates
        on
            invoices.issued_date <= score_dates.score_date
            and (
                invoices.issued_date
                > {{ dbt.dateadd('day', -var('financial_window_days'), 'score_dates.score_date') }}
                or invoices.paid_date is null
                or invoices.paid_date > score_dates.score_date
            )
    where coalesce(invoices.invoice_status, '') not in ('void', 'refunded')

),

flagged as (

    select
        *,
        paid_date is null and due_date < score_date as is_overdue,
        case
            when paid_date is null and due_date < score_date
                then {{ dbt.datediff('due_date', 'score_date', 'day') }}
            when paid_date > due_date and is_in_window
                then {{ dbt.datediff('due_date', 'paid_date', 'day') }}
            else 0
        end as days_past_due

    from known
    where is_in_window or (paid_date is null and due_date < score_date)

),

per_customer as (

    select
        customer_id,
        score_date,
        count(*) as invoices_considered,
        sum(case when is_overdue then amount else 0 end) as overdue_amount,
        max(days_past_due) as max_days_past_due,
        count(case when invoice_status = 'failed' and is_in_window then 1 end) as failed_payments,
        count(case when is_in_window and paid_date is not null then 1 end) as invoices_paid,
        count(case when is_in_window and paid_date > due_date then 1 end) as invoices_paid_late

    from flagged
    group by customer_id, score_date

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        per_customer.invoices_considered,
        per_customer.overdue_amount,
        lifecycle.mrr,
        coalesce(
            {{ ratio('per_customer.overdue_amount', 'lifecycle.mrr') }},
            case when per_customer.overdue_amount > 0 then 1.0 else 0.0 end
        ) as overdue_to_mrr_ratio,
        per_customer.max_days_past_due,
        per_customer.failed_payments,
        100.0 * {{ ratio('per_customer.invoices_paid_late', 'per_customer.invoices_paid') }}
            as late_paid_pct

    from per_customer
    left join lifecycle
        on
            per_customer.customer_id = lifecycle.customer_id
            and per_customer.score_date = lifecycle.score_date

),

{{ dimension_scores('financial', metrics) }},

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
        dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.financial_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
