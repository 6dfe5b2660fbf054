{#-
    Product usage and adoption per customer over the usage window. A customer with no usage in
    the window or the one before has no row: stale or absent usage is missing, not zero.
-#}
{%- set metrics = ['active_days', 'active_user_pct', 'feature_breadth_pct', 'events_trend_pct'] -%}
with

daily_facts as (

    select * from {{ ref('int_usage__daily_facts') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

windowed as (

    select
        daily_facts.*,
        daily_facts.activity_date > {{ dbt.dateadd('day', -var('usage_window_days'), 'as_of.as_of_date') }}
            as is_current_window

    from daily_facts
    cross join as_of
    where
        daily_facts.activity_date <= as_of.as_of_date
        and daily_facts.activity_date
        > {{ dbt.dateadd('day', -2 * var('usage_window_days'), 'as_of.as_of_date') }}

),

features_in_use as (

    select count(distinct feature) as features_available
    from windowed
    where is_current_window

),

per_customer as (

    select
        customer_id,
        count(distinct case when is_current_window then activity_date end) as active_days,
        count(distinct case when is_current_window then user_id end) as active_users,
        count(distinct case when is_current_window then feature end) as features_used,
        sum(case when is_current_window then event_count else 0 end) as events_current_window,
        sum(case when not is_current_window then event_count else 0 end) as events_previous_window

    from windowed
    group by customer_id

),

metrics as (

    select
        per_customer.customer_id,
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
    cross join features_in_use
    left join lifecycle
        on per_customer.customer_id = lifecycle.customer_id

),

{{ dimension_scores('usage', metrics) }},

final as (

    select
        metrics.customer_id,
        metrics.active_days,
        metrics.active_users,
        metrics.seats_purchased,
        metrics.features_used,
        metrics.features_available,
        metrics.events_current_window,
        metrics.events_previous_window,
        metrics.active_user_pct,
        metrics.feature_breadth_pct,
        metrics.events_trend_pct,
        {% for metric in metrics -%}
            dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.usage_score

    from metrics
    inner join dimension_scores
        on metrics.customer_id = dimension_scores.customer_id

)

select * from final
