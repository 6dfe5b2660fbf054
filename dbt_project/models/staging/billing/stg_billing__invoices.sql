with

source as (

    {{ latest_delivery(source('billing', 'invoices'), 'invoice_id') }}

),

renamed as (

    select
        ---------- ids
        invoice_id,
        customer_id,

        ---------- attributes
        upper(trim(currency)) as currency,
        lower(trim(status)) as invoice_status,

        ---------- numerics
        amount,

        ---------- timestamps
        issued_at,
        due_at,
        paid_at,
        cast(issued_at as date) as issued_date,
        cast(due_at as date) as due_date,
        cast(paid_at as date) as paid_date

    from source

)

select * from renamed
