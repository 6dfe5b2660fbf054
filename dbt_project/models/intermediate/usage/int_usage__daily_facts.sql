{#-
    Usage events read once into one row per customer, day, user and feature. Every usage metric,
    for any window or day, is computed from this table, never from the events again.
-#}
with

events as (

    select * from {{ ref('stg_product__usage_events') }}

),

daily_facts as (

    select
        customer_id,
        occurred_date as activity_date,
        coalesce(user_id, '(unknown)') as user_id,
        feature,
        count(*) as event_count,
        sum(quantity) as quantity

    from events
    group by customer_id, occurred_date, coalesce(user_id, '(unknown)'), feature

)

select * from daily_facts
