with

source as (

    {{ latest_delivery(source('billing', 'subscriptions'), 'subscription_id') }}

),

renamed as (

    select
        ---------- ids
        subscription_id,
        customer_id,

        ---------- attributes
        lower(trim(plan)) as plan,
        upper(trim(currency)) as currency,
        lower(trim(status)) as subscription_status,
        coalesce(is_renewal, false) as is_renewal,
        cancellation_reason,

        ---------- numerics
        mrr,

        ---------- timestamps
        started_at,
        ends_at,
        cancelled_at,
        cast(started_at as date) as started_date,
        cast(ends_at as date) as ends_date,
        cast(cancelled_at as date) as cancelled_date

    from source

)

select * from renamed
