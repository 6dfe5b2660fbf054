{#-
    The `score_overrides` in force on each score date, one per customer and dimension (or
    `overall`): of the overrides that started on or before the day and have not expired
    (valid_until inclusive), the latest valid_from. An expired override stops by itself.
-#}
with

score_overrides as (

    select * from {{ ref('score_overrides') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

overrides_in_force as (

    {{ in_force(
        'score_overrides',
        'score_dates',
        partition_by=['versions.customer_id', 'versions.dimension'],
        condition='versions.valid_until is null or days.score_date <= versions.valid_until',
    ) }}

),

final as (

    select
        ---------- ids
        customer_id,
        score_date,
        dimension,

        ---------- attributes
        reason,
        set_by,

        ---------- numerics
        override_score,

        ---------- dates
        valid_from,
        valid_until

    from overrides_in_force

)

select * from final
