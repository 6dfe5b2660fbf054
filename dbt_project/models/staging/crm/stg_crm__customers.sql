with

source as (

    {{ latest_delivery(source('crm', 'customers'), 'customer_id') }}

),

renamed as (

    select
        ---------- ids
        customer_id,

        ---------- attributes
        customer_name,
        lower(trim(plan)) as plan,
        industry,
        country,
        csm_owner,

        ---------- numerics
        seats_purchased,

        ---------- timestamps
        created_at,
        cast(created_at as date) as created_date

    from source

)

select * from renamed
