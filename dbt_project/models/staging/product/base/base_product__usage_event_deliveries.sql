{#-
    Every delivered version of every usage event, cleaned and renamed, with the load it came in
    (`_load_id`, increasing with each load) and its row in the file. No de-duplication here, so a
    filter on the load or the day reaches the raw table: the incremental daily facts read only
    the new loads. `stg_product__usage_events` keeps the latest delivery of each event.
-#}
with

source as (

    select * from {{ source('product', 'product_usage') }}

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
        cast(occurred_at as date) as occurred_date,

        ---------- delivery
        _load_id,
        _file_row_number,
        _loaded_at

    from source

)

select * from renamed
