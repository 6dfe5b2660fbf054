{#-
    Product usage and adoption per customer and score date over the usage window ending on the
    day. A customer with no usage in that window or the one before has no row: stale or absent
    usage is missing, not zero.
-#}
{%- set metrics = ['active_days', 'active_user_pct', 'feature_breadth_pct', 'events_trend_pct'] -%}
{%- set window_days = var('usage_window_days') -%}
with

daily_facts as (

    select * from {{ ref('int_usage__daily_facts') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

windowed as (

    select
        score_dates.score_date,
        daily_facts.customer_id,
        daily_facts.activity_date,
        daily_facts.user_id,
        daily_facts.feature,
        daily_facts.event_count,
        daily_facts.activity_date > {{ dbt.dateadd('day', -window_days, 'score_dates.score_date') }}
        as is_current_window

    from daily_facts
    inner join score_dates
        on
            daily_facts.activity_date <= score_dates.score_date
            and daily_facts.activity_date > {{ dbt.dateadd('day', -2 * window_days, 'score_dates.score_date') }}

),

features_in_use as (

    select
        score_date,
        count(distinct feature) as features_available

    from windowed
    where is_current_window
    group by score_date

),

per_customer as (

    select
        customer_id,
        score_date,
        count(distinct case when is_current_window then activity_date end) as active_days,
        count(distinct case when is_current_window then user_id end) as active_users,
        count(distinct case when is_current_window then feature end) as features_used,
        sum(case when is_current_window then event_count else 0 end) as events_current_window,
        sum(case when not is_current_window then event_count else 0 end) as events_previous_window

    from windowed
    group by customer_id, score_date

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        per_customer.active_days,
        per_customer.active_users,
        lifecycle.seats_purchased,
        per_customer.features_used,
        features_in_use.features_available,
        per_customer.events_current_window,
        per_customer.events_previous_window,
        100.0 * {{ ratio('per_customer.active_users', 'lifecycle.seats_purchased') }} as active_user_pct,
        100.0 * {{ ratio('per_customer.features_used', 'features_in_use.features_available') }}
            as feature_breadth_pct,
        100.0 * {{ ratio(
            'per_customer.events_current_window - per_customer.events_previous_window',
            'per_customer.events_previous_window'
        ) }} as events_trend_pct

    from per_customer
    left join features_in_use
        on per_customer.score_date = features_in_use.score_date
    left join lifecycle
        on
            per_customer.customer_id = lifecycle.customer_id
            and per_customer.score_date = lifecycle.score_date

),

{{ dimension_scores('usage', metrics) }},

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
        dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.usage_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
