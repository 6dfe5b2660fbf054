{{ config(**incremental_by_day_config('activity_date')) }}
{#-
    Usage events read once into one row per customer, day, user and feature. Every usage metric,
    for any window or day, is computed from this table, never from the events again.

    Incremental by load: a run reads only the loads after the latest one already here
    (`last_load_id`) and rebuilds the days those loads touch: the days of the new events, and the
    days where an earlier version of a redelivered event was. The latest delivery of each event is
    picked among all versions of the events on those days, so a correction replaces the old row
    instead of adding to it. A daily load therefore costs one day of events, and a late event
    rebuilds its own day. Re-running with no new load changes nothing. Days are replaced whole
    (delete+insert by day), so a customer-day that loses its only event disappears; a day that
    loses every event keeps its old rows until a full refresh. After the raw table is rebuilt or
    rows are deleted from it, run once with `--full-refresh`.

    `CHS_USAGE_FACTS_DAYS` (empty by default; `FIRST..LAST`, ISO dates) makes a run rebuild
    those days only, from every delivery: a first build over a long landing, too large for one
    statement, is built in steps of days that fit in memory (orchestration/usage_facts.py).
-#}
{%- set days_text = env_var('CHS_USAGE_FACTS_DAYS', '') | trim -%}
{%- set days = days_text.split('..') if days_text else none -%}
{%- if days and (days | length != 2 or modules.re.fullmatch('\\d{4}-\\d{2}-\\d{2}', days[0]) is none
    or modules.re.fullmatch('\\d{4}-\\d{2}-\\d{2}', days[1]) is none) -%}
    {{ exceptions.raise_compiler_error(
        'CHS_USAGE_FACTS_DAYS=' ~ days_text ~ ': expected FIRST..LAST, two dates as YYYY-MM-DD'
    ) }}
{%- endif %}
with

{{ latest_delivery_of_changed_days(
    name='events',
    deliveries=ref('base_product__usage_event_deliveries'),
    key='event_id',
    day_column='occurred_date',
    watermark_column='last_load_id',
    days=days,
) }},

daily_facts as (

    select
        customer_id,
        occurred_date as activity_date,
        coalesce(user_id, '(unknown)') as user_id,
        feature,
        count(*) as event_count,
        {{ exact_sum('quantity') }} as quantity,
        max(_load_id) as last_load_id

    from events
    group by customer_id, occurred_date, coalesce(user_id, '(unknown)'), feature

)

-- Stored in day order, so that a run reading a few recent days skips the rest of the table.
select * from daily_facts
order by activity_date, customer_id
