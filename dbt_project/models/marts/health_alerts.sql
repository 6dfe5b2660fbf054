{#-
    One row per alert raised from the score history:
    - score_drop: the score fell at least `alert_drop_points` (health_settings seed) in 7 days;
    - entered_at_risk: the stable segment moved into at_risk from another scored segment; a
      customer's first scored day (the day before it was insufficient_data, or it had no row)
      is not a fall, so it raises nothing.
    De-duplication: an alert is raised on the first day of an episode (the condition holds that
    day and did not the day before, or the customer had no row the day before), and not again for the same customer and kind within
    `alert_cooldown_days` of the previous episode start, so a condition that holds for weeks,
    or flickers, raises one alert. Rebuilt from customer_health_daily on every run, so a
    backfill gives the same alerts as day-by-day runs.
-#}
with

history as (

    -- Only the columns the alerts use: the history is read three times (the day, the day before,
    -- the week before), so the engine may hold it in memory.
    select
        customer_id,
        score_date,
        health_score,
        segment,
        primary_driver,
        mrr,
        currency,
        mrr_reporting

    from {{ ref('customer_health_daily') }}

),

settings as (

    select
        max(case when setting = 'alert_drop_points' then value end) as drop_points,
        max(case when setting = 'alert_cooldown_days' then value end) as cooldown_days

    from {{ ref('health_settings') }}

),

with_previous as (

    select
        current_day.customer_id,
        current_day.score_date,
        current_day.health_score,
        current_day.segment,
        current_day.primary_driver,
        current_day.mrr,
        current_day.currency,
        current_day.mrr_reporting,
        previous_day.segment as previous_segment,
        week_before.health_score as health_score_7d_ago,
        current_day.health_score - week_before.health_score as score_change_7d

    from history as current_day
    left join history as previous_day
        on
            current_day.customer_id = previous_day.customer_id
            and previous_day.score_date = cast({{ dbt.dateadd('day', -1, 'current_day.score_date') }} as date)
    left join history as week_before
        on
            current_day.customer_id = week_before.customer_id
            and week_before.score_date = cast({{ dbt.dateadd('day', -7, 'current_day.score_date') }} as date)

),

conditions as (

    -- Both conditions of a customer-day in one row.
    select
        with_previous.*,
        coalesce(with_previous.score_change_7d <= -settings.drop_points, false) as is_score_drop,
        coalesce(
            with_previous.segment = 'at_risk'
            and with_previous.previous_segment is not null
            and with_previous.previous_segment not in ('at_risk', 'insufficient_data'),
            false
        ) as is_entering_at_risk

    from with_previous
    cross join settings

),

with_day_before as (

    -- Each condition on the day before, by a join on the day (not a window over the whole
    -- history, which would sort it on every run).
    select
        conditions.*,
        coalesce(day_before.is_score_drop, false) as was_score_drop,
        coalesce(day_before.is_entering_at_risk, false) as was_entering_at_risk

    from conditions
    left join conditions as day_before
        on
            conditions.customer_id = day_before.customer_id
            and day_before.score_date = cast({{ dbt.dateadd('day', -1, 'conditions.score_date') }} as date)
    where conditions.is_score_drop or conditions.is_entering_at_risk

),

episodes as (

    -- The first day of each episode: the condition holds that day and did not the day before.
    select
        with_day_before.*,
        'score_drop' as alert_kind

    from with_day_before
    where with_day_before.is_score_drop and not with_day_before.was_score_drop

    union all

    select
        with_day_before.*,
        'entered_at_risk' as alert_kind

    from with_day_before
    where with_day_before.is_entering_at_risk and not with_day_before.was_entering_at_risk

),

episode_starts as (

    select
        *,
        lag(score_date) over (partition by customer_id, alert_kind order by score_date)
            as previous_episode_date

    from episodes

),

final as (

    select
        ---------- ids
        md5(concat(
            episode_starts.customer_id, '|', episode_starts.alert_kind, '|',
            cast(episode_starts.score_date as {{ dbt.type_string() }})
        )) as alert_id,
        episode_starts.customer_id,

        ---------- attributes
        episode_starts.alert_kind,
        case episode_starts.alert_kind
            when 'score_drop'
                then concat(
                        'score fell ',
                        cast(cast(round(-episode_starts.score_change_7d, 0) as integer) as {{ dbt.type_string() }}),
                        ' points in 7 days (',
                        cast(cast(round(episode_starts.health_score_7d_ago, 0) as integer) as {{ dbt.type_string() }}),
                        ' to ',
                        cast(cast(round(episode_starts.health_score, 0) as integer) as {{ dbt.type_string() }}),
                        ')'
                    )
            else concat('moved from ', episode_starts.previous_segment, ' into at_risk')
        end as reason,
        episode_starts.primary_driver,
        episode_starts.segment,
        episode_starts.previous_segment,

        ---------- numerics
        episode_starts.health_score,
        episode_starts.score_change_7d,
        episode_starts.mrr,
        episode_starts.currency,
        episode_starts.mrr_reporting,

        ---------- dates
        episode_starts.score_date as first_seen_date

    from episode_starts
    cross join settings
    where
        episode_starts.previous_episode_date is null
        or {{ dbt.datediff('episode_starts.previous_episode_date', 'episode_starts.score_date', 'day') }}
        > settings.cooldown_days

)

select * from final
