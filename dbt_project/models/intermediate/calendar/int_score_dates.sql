{#-
    One row per day to score, from the `score_from_date` and `as_of_date` vars; both default to
    the latest day with product usage. At most `max_score_days` days per run. `score_every_days`
    (default 1) keeps only every k-th day of the range, counted from 1970-01-01 like the metric
    history: calibration re-scores its observation days on a copy of the project with it.
-#}
{%- set day_number = dbt.datediff("cast('1970-01-01' as date)", 'candidate_days.score_date', 'day') -%}
with

usage_days as (

    select max(activity_date) as latest_activity_date
    from {{ ref('int_usage__daily_facts') }}

),

bounds as (

    select
        coalesce({{ date_var_literal('as_of_date') }}, latest_activity_date) as last_score_date,
        coalesce(
            {{ date_var_literal('score_from_date') }},
            {{ date_var_literal('as_of_date') }},
            latest_activity_date
        ) as first_score_date

    from usage_days

),

day_numbers as (

    {{ dbt.generate_series(var('max_score_days')) }}

),

candidate_days as (

    select
        cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'bounds.first_score_date') }} as date)
            as score_date

    from bounds
    cross join day_numbers
    where
        {{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'bounds.first_score_date') }}
        <= bounds.last_score_date

),

final as (

    select candidate_days.score_date
    from candidate_days
    where mod({{ day_number }}, {{ var('score_every_days', 1) }}) = 0

)

select * from final
