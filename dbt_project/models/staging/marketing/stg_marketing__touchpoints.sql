with

source as (

    {{ latest_delivery(source('marketing', 'engagement'), 'touchpoint_id') }}

),

renamed as (

    select
        ---------- ids
        touchpoint_id,
        customer_id,

        ---------- attributes
        lower(trim(kind)) as touchpoint_kind,
        lower(trim(sentiment)) as sentiment,

        ---------- numerics
        detail_length,

        ---------- timestamps
        occurred_at,
        cast(occurred_at as date) as occurred_date

    from source

)

select * from renamed
