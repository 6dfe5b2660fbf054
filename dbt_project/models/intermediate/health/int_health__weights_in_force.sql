{#-
    The weight of each dimension in each weight set (a plan, `default`, `onboarding`) on each
    score date: the `health_weights` row of the latest valid_from on or before the day, so a
    weight change applies from its day on and never rewrites history.
-#}
with

health_weights as (

    select * from {{ ref('health_weights') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

weights_in_force as (

    {{ in_force(
        'health_weights',
        'score_dates',
        partition_by=['versions.plan', 'versions.dimension'],
    ) }}

),

final as (

    select
        ---------- ids
        score_date,
        plan as weight_set,
        dimension,

        ---------- numerics
        weight,
        valid_from

    from weights_in_force

)

select * from final
