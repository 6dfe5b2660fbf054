with

deliveries as (

    {{ latest_delivery(ref('base_product__usage_event_deliveries'), 'event_id') }}

),

final as (

    select
        event_id,
        customer_id,
        user_id,
        feature,
        quantity,
        occurred_at,
        occurred_date

    from deliveries

)

select * from final
