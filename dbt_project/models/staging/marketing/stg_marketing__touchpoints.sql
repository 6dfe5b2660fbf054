{{ config(**incremental_by_day_config('occurred_date')) }}
{#-
    The latest delivery of each touchpoint. A table, incremental by load (see the
    `latest_delivery_of_changed_days` macro): with tens of millions of touchpoints, picking the
    latest delivery of every one on every daily run would cost more than the scoring itself.
-#}
with

{{ latest_delivery_of_changed_days(
    name='touchpoints',
    deliveries=ref('base_marketing__touchpoint_deliveries'),
    key='touchpoint_id',
    day_column='occurred_date',
    watermark_column='_load_id',
) }},

final as (

    select
        touchpoint_id,
        customer_id,
        touchpoint_kind,
        sentiment,
        detail_length,
        occurred_at,
        occurred_date,
        _load_id

    from touchpoints

)

-- Stored in day order, so that a run reading recent days skips the rest of the table.
select * from final
order by occurred_date, customer_id
