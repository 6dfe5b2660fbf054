{#-
    Every delivered version of every engagement touchpoint, cleaned and renamed, with its load
    and its row in the file. `stg_marketing__touchpoints` keeps the latest delivery of each,
    incrementally.
-#}
with

source as (

    select * from {{ source('marketing', 'engagement') }}

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
        cast(occurred_at as date) as occurred_date,

        ---------- delivery
        _load_id,
        _file_row_number

    from source

)

select * from renamed
