with

source as (

    {{ latest_delivery(source('surveys', 'surveys'), 'response_id') }}

),

renamed as (

    select
        ---------- ids
        response_id,
        customer_id,

        ---------- attributes
        lower(trim(kind)) as survey_kind,
        lower(trim(touchpoint)) as touchpoint,
        comment,

        ---------- numerics
        score,

        ---------- timestamps
        responded_at,
        cast(responded_at as date) as responded_date

    from source

)

select * from renamed
