{#-
    Currencies used by subscriptions or invoices with no `fx_rates` row in force on a score date
    from their first use on: one row per source table and currency, with the first and last such
    day and how many score days lack the rate. Every money figure that needs the rate is null
    on those days (never converted at 1); an asset check warns while this model has rows. A
    blank currency counts as the reporting currency (the `reporting_currency` var).
-#}
with

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

rates as (

    select * from {{ ref('int_fx__rates') }}

),

used_currencies as (

    select
        'subscriptions' as source_table,
        coalesce(currency, '{{ var("reporting_currency") }}') as currency,
        min(started_date) as first_used_date,
        count(distinct customer_id) as customers

    from subscriptions
    group by coalesce(currency, '{{ var("reporting_currency") }}')

    union all

    select
        'invoices' as source_table,
        coalesce(currency, '{{ var("reporting_currency") }}') as currency,
        min(issued_date) as first_used_date,
        count(distinct customer_id) as customers

    from invoices
    group by coalesce(currency, '{{ var("reporting_currency") }}')

),

missing_days as (

    select
        used_currencies.source_table,
        used_currencies.currency,
        used_currencies.customers,
        score_dates.score_date

    from used_currencies
    inner join score_dates
        on used_currencies.first_used_date <= score_dates.score_date
    left join rates
        on
            score_dates.score_date = rates.score_date
            and used_currencies.currency = rates.currency
    where rates.currency is null

),

final as (

    select
        source_table,
        currency,
        max(customers) as customers,
        min(score_date) as first_missing_date,
        max(score_date) as last_missing_date,
        count(*) as score_days_missing

    from missing_days
    group by source_table, currency

)

select * from final
