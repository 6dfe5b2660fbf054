{#-
    The current health score: the latest day of customer_health_daily, one row per customer in
    scope (active, or churning: cancellation requested, term not ended), with the change over 7
    and 30 days and each dimension's share of that change. A dimension's share is the change in
    the points it contributes (weight over weight present times sub-score), so the shares add up
    to the change, including the shift when a dimension appears or goes missing.
    Customers who churned before the day are not in this table.
-#}
{%- set dimensions = var('dimensions') -%}
with

history as (

    select * from {{ ref('customer_health_daily') }}

),

history_days as (

    select score_date from {{ ref('customer_health_daily') }}

),

latest_day as (

    select max(score_date) as score_date from history_days

),

compared_days as (

    -- The latest day and the days it is compared with.
    select
        score_date,
        0 as days_ago

    from latest_day

    {% for days in [7, 30] -%}
        union all

        select
            cast({{ dbt.dateadd('day', -days, 'score_date') }} as date) as score_date,
            {{ days }} as days_ago

        from latest_day

    {% endfor %}
),

compared_history as (

    -- Joined on the day, so only those days of the history are read.
    select
        history.*,
        compared_days.days_ago

    from history
    inner join compared_days
        on history.score_date = compared_days.score_date

),

current_day as (

    select * from compared_history
    where days_ago = 0

),

{% for days in [7, 30] -%}
    days_ago_{{ days }} as (

        select * from compared_history
        where days_ago = {{ days }}

    ),

{% endfor -%}

final as (

    select
        ---------- ids
        cast(current_day.customer_id as {{ dbt.type_string() }}) as customer_id,

        ---------- attributes
        cast(current_day.customer_name as {{ dbt.type_string() }}) as customer_name,
        cast(current_day.plan as {{ dbt.type_string() }}) as plan,
        cast(current_day.csm_owner as {{ dbt.type_string() }}) as csm_owner,
        cast(current_day.lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(current_day.segment as {{ dbt.type_string() }}) as segment,
        cast(current_day.health_color as {{ dbt.type_string() }}) as health_color,
        cast(current_day.primary_driver as {{ dbt.type_string() }}) as primary_driver,
        cast(current_day.weight_set as {{ dbt.type_string() }}) as weight_set,
        cast(current_day.driver_detail as {{ dbt.type_string() }}) as driver_detail,
        cast(current_day.is_onboarding as boolean) as is_onboarding,
        cast(current_day.is_segment_forced as boolean) as is_segment_forced,
        cast(current_day.segment_forced_reason as {{ dbt.type_string() }}) as segment_forced_reason,
        cast(current_day.has_advocacy as boolean) as has_advocacy,
        cast(current_day.expansion_status as {{ dbt.type_string() }}) as expansion_status,
        cast(current_day.is_support_silence as boolean) as is_support_silence,
        cast(current_day.has_override as boolean) as has_override,
        cast(current_day.override_detail as {{ dbt.type_string() }}) as override_detail,

        ---------- scores
        cast(round(current_day.health_score, 1) as double) as health_score,
        {% for dimension in dimensions -%}
            cast(round(current_day.{{ dimension }}_score, 1) as double) as {{ dimension }}_score,
        {% endfor -%}
        cast(round(current_day.data_completeness_pct, 1) as double) as data_completeness_pct,
        cast(current_day.dimensions_scored as integer) as dimensions_scored,
        cast(current_day.score_confidence as {{ dbt.type_string() }}) as score_confidence,
        cast(current_day.churn_risk_90d as double) as churn_risk_90d,
        cast(case
            when current_day.health_score is not null
                then rank() over (
                        partition by case when current_day.health_score is null then 1 else 0 end
                        order by current_day.health_score desc
                    )
        end as integer) as health_rank,
        cast(round(current_day.health_percentile, 1) as double) as health_percentile,
        cast(current_day.plan_rank as integer) as plan_rank,
        cast(round(current_day.plan_percentile, 1) as double) as plan_percentile,

        ---------- change and its explanation
        {% for days in [7, 30] -%}
            cast(round(current_day.health_score - days_ago_{{ days }}.health_score, 1) as double)
                as score_change_{{ days }}d,
            {% for dimension in dimensions -%}
                cast(round(
                    case
                        when current_day.health_score is not null and days_ago_{{ days }}.health_score is not null
                            then coalesce(current_day.{{ dimension }}_points, 0)
                                - coalesce(days_ago_{{ days }}.{{ dimension }}_points, 0)
                    end,
                    1
                ) as double) as {{ dimension }}_change_{{ days }}d,
            {% endfor -%}
        {% endfor -%}

        ---------- weights used and points contributed
        {% for dimension in dimensions -%}
            cast(current_day.{{ dimension }}_weight as double) as {{ dimension }}_weight,
            cast(round(current_day.{{ dimension }}_points, 1) as double) as {{ dimension }}_points,
        {% endfor %}
        ---------- numerics
        cast(current_day.mrr as double) as mrr,
        cast(current_day.currency as {{ dbt.type_string() }}) as currency,
        cast(round(current_day.mrr_reporting, 2) as double) as mrr_reporting,
        cast(current_day.reporting_currency as {{ dbt.type_string() }}) as reporting_currency,
        cast(current_day.is_fx_rate_missing as boolean) as is_fx_rate_missing,

        ---------- dates
        cast(current_day.score_date as date) as as_of_date

    from current_day
    {% for days in [7, 30] -%}
        left join days_ago_{{ days }}
            on current_day.customer_id = days_ago_{{ days }}.customer_id
    {% endfor %}

)

select * from final
