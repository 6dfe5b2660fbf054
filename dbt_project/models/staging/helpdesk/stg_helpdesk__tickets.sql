with

source as (

    {{ latest_delivery(source('helpdesk', 'support_tickets'), 'ticket_id') }}

),

renamed as (

    select
        ---------- ids
        ticket_id,
        customer_id,

        ---------- attributes
        lower(trim(priority)) as priority,
        lower(trim(status)) as ticket_status,
        lower(trim(channel)) as channel,

        ---------- numerics
        coalesce(reopen_count, 0) as reopen_count,
        csat,

        ---------- timestamps
        opened_at,
        first_response_at,
        resolved_at,
        cast(opened_at as date) as opened_date

    from source

)

select * from renamed
