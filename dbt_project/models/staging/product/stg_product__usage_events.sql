with

source as (

    {{ latest_delivery(source('product', 'product_usage'), 'event_id') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        customer_id,
        user_id,

        ---------- attributes
        lower(trim(feature)) as feature,

        ---------- numerics
        coalesce(quantity, 1) as quantity,

        ---------- timestamps
        occurred_at,
        cast(occurred_at as date) as occurred_date

    from source

)

select * from renamed
