{#-
    One row per day to score, from the `score_from_date` and `as_of_date` vars. Without
    `as_of_date`, the last day scored is the latest complete day of usage: the latest day before
    the day of the latest usage load on which at least `as_of_min_active_share` (health_settings
    seed) of the typical (median) number of daily active customers were active. A day still
    being loaded, a stray event dated after the load (ingestion quarantines those) or a handful of
    stray rows on an otherwise empty day cannot move it. `score_from_date` defaults to the last
    day (a one-day run). At most `max_score_days` days per run: a longer range fails and names its
    length (it is never cut short). `score_every_days` (default 1)
    keeps only every k-th day of the range, counted from 1970-01-01 like the metric history:
    calibration re-scores its observation days on a copy of the project with it.
-#}
{%- set day_number = dbt.datediff("cast('1970-01-01' as date)", 'candidate_days.score_date', 'day') -%}
with

deliveries as (

    select * from {{ ref('base_product__usage_event_deliveries') }}

),

daily_facts as (

    select * from {{ ref('int_usage__daily_facts') }}

),

settings as (

    {{ settings_row(['as_of_min_active_share']) }}

),

last_load as (

    select cast(max(_loaded_at) as date) as last_load_date
    from deliveries

),

daily_activity as (

    select
        daily_facts.activity_date,
        count(distinct daily_facts.customer_id) as active_customers

    from daily_facts
    cross join last_load
    where daily_facts.activity_date < last_load.last_load_date
    group by daily_facts.activity_date

),

typical_activity as (

    select median(active_customers) as typical_active_customers
    from daily_activity

),

usage_days as (

    {% if date_var('as_of_date') -%}
        -- The day is given: nothing to read (the CTEs above are never evaluated).
        select cast(null as date) as latest_activity_date
    {%- else -%}
        select max(daily_activity.activity_date) as latest_activity_date

        from daily_activity
        cross join typical_activity
        cross join settings
        where
            daily_activity.active_customers
            >= settings.as_of_min_active_share * typical_activity.typical_active_customers
    {%- endif %}

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

range_check as (

    select
        {{ dbt.datediff('first_score_date', 'last_score_date', 'day') }}
        >= {{ var('max_score_days') }} as is_too_long,
        'int_score_dates: the range '
        || cast(first_score_date as string)
        || ' to '
        || cast(last_score_date as string)
        || ' has more days than max_score_days ({{ var("max_score_days") }}): '
        || 'split it into several runs or raise the var' as message

    from bounds

),

final as (

    select candidate_days.score_date
    from candidate_days
    cross join range_check
    where
        mod({{ day_number }}, {{ var('score_every_days', 1) }}) = 0
        -- Evaluated on every row, so a range longer than max_score_days fails the run.
        and (
            case
                when range_check.is_too_long
                    then {{ raise_error('range_check.message') }}
            end
        ) is null

)

select * from final
