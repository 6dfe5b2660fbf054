{#-
    Financial health per customer and score date: invoices issued in the financial window ending
    on the day (`dimension_settings` seed), plus any invoice still unpaid then. Metrics: overdue
    amount over MRR, most days past due (by band), failed payments and the share paid late.
    Overdue is compared with MRR in one currency: an invoice in another currency than the
    subscription is converted at the `fx_rates` of the day (the ratio is null when a rate is
    missing, never converted at 1).
    Point in time: a payment after the day is unpaid on it. A failed invoice counts in
    failed_payments, not in the overdue amount. A customer with no invoice issued in
    the last `freshness_days` and nothing unpaid has no row (stale billing data is missing).
-#}
{%- set metrics = dimension_metrics()['financial'] -%}
{%- set window_start = dbt.dateadd('day', '-financial_settings.window_days', 'lifecycle.score_date') -%}
{%- set first_window_start = dbt.dateadd('day', '-financial_settings.window_days', 'score_bounds.first_score_date') -%}
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

fx_rates as (

    select * from {{ ref('int_fx__rates') }}

),

financial_settings as (

    {{ dimension_settings_row('financial') }}

),

score_bounds as (

    select
        min(score_date) as first_score_date,
        max(score_date) as last_score_date

    from score_dates

),

run_invoices as (

    -- The invoices that can count on one of the run's days: issued by its last day, and in the
    -- window of its first day or unpaid then. Each is joined to each of its customer's days.
    select invoices.*

    from invoices
    cross join score_bounds
    cross join financial_settings
    where
        invoices.issued_date <= score_bounds.last_score_date
        and (
            invoices.issued_date > {{ first_window_start }}
            or invoices.paid_date is null
            or invoices.paid_date > score_bounds.first_score_date
        )
        and coalesce(invoices.invoice_status, '') not in ('void', 'refunded')

),

known as (

    -- Joined to the customer's days directly (not to the run's dates, then to the customer's
    -- day for its currency): the join is by customer, and no invoice-day is carried twice.
    select
        lifecycle.customer_id,
        lifecycle.score_date,
        financial_settings.window_days,
        invoices.invoice_id,
        invoices.amount,
        coalesce(invoices.currency, '{{ var("reporting_currency") }}') as currency,
        coalesce(lifecycle.currency, '{{ var("reporting_currency") }}') as mrr_currency,
        invoices.invoice_status,
        invoices.due_date,
        case when invoices.paid_date <= lifecycle.score_date then invoices.paid_date end as paid_date,
        invoices.issued_date > {{ window_start }} as is_in_window,
        invoices.issued_date
        > {{ dbt.dateadd('day', '-financial_settings.freshness_days', 'lifecycle.score_date') }}
            as is_fresh

    from run_invoices as invoices
    cross join financial_settings
    inner join lifecycle
        on
            invoices.customer_id = lifecycle.customer_id
            and invoices.issued_date <= lifecycle.score_date
            and (
                invoices.issued_date > {{ window_start }}
                or invoices.paid_date is null
                or invoices.paid_date > lifecycle.score_date
            )
    -- The days of this run only, whatever else the lifecycle table holds.
    inner join score_dates
        on lifecycle.score_date = score_dates.score_date

),

flagged as (

    select
        *,
        -- A failed payment counts as a failed payment, not as an overdue balance as well.
        paid_date is null and due_date < score_date and coalesce(invoice_status, '') <> 'failed' as is_overdue,
        case
            when paid_date is null and due_date < score_date and coalesce(invoice_status, '') <> 'failed'
                then {{ dbt.datediff('due_date', 'score_date', 'day') }}
            when paid_date > due_date and is_in_window
                then {{ dbt.datediff('due_date', 'paid_date', 'day') }}
            else 0
        end as days_past_due

    from known
    where is_in_window or (paid_date is null and due_date < score_date and coalesce(invoice_status, '') <> 'failed')

),

in_mrr_currency as (

    -- Each invoice in the currency of the customer's MRR that day: as is when they agree,
    -- else through the reporting currency at the day's rates (null when a rate is missing).
    select
        flagged.*,
        case
            when flagged.currency = flagged.mrr_currency then flagged.amount
            else flagged.amount * invoice_rate.rate_to_reporting / nullif(mrr_rate.rate_to_reporting, 0)
        end as amount_in_mrr_currency

    from flagged
    left join fx_rates as invoice_rate
        on
            flagged.score_date = invoice_rate.score_date
            and flagged.currency = invoice_rate.currency
    left join fx_rates as mrr_rate
        on
            flagged.score_date = mrr_rate.score_date
            and flagged.mrr_currency = mrr_rate.currency

),

per_customer as (

    select
        customer_id,
        score_date,
        max(window_days) as window_days,
        count(*) as invoices_considered,
        {{ exact_sum('case when is_overdue then amount else 0 end') }} as overdue_amount,
        -- Null when an overdue invoice cannot be converted (sum skips nulls, so count them).
        case
            when count(case when is_overdue and amount_in_mrr_currency is null then 1 end) = 0
                then {{ exact_sum('case when is_overdue then amount_in_mrr_currency else 0 end') }}
        end as overdue_amount_in_mrr_currency,
        max(days_past_due) as max_days_past_due,
        -- A failure is known once the invoice is due (the status carries no date of its own).
        count(case when invoice_status = 'failed' and is_in_window and due_date <= score_date then 1 end)
            as failed_payments,
        count(case when is_in_window and paid_date is not null then 1 end) as invoices_paid,
        count(case when is_in_window and paid_date > due_date then 1 end) as invoices_paid_late

    from in_mrr_currency
    group by customer_id, score_date
    having bool_or(is_fresh or paid_date is null)

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        lifecycle.plan,
        per_customer.window_days,
        per_customer.invoices_considered,
        per_customer.overdue_amount,
        lifecycle.mrr,
        case
            when lifecycle.mrr > 0 then {{ ratio('per_customer.overdue_amount_in_mrr_currency', 'lifecycle.mrr') }}
            when per_customer.overdue_amount > 0 then 1.0
            else 0.0
        end as overdue_to_mrr_ratio,
        per_customer.max_days_past_due,
        per_customer.failed_payments,
        100.0 * {{ ratio('per_customer.invoices_paid_late', 'per_customer.invoices_paid') }}
            as late_paid_pct

    from per_customer
    -- Known customers only: rows of a customer missing from the CRM are reported by
    -- int_quality__findings and never scored.
    inner join lifecycle
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
        dimension_scores.financial_score_raw as financial_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
