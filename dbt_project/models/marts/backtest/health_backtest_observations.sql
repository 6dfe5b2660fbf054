{#-
    What the backtest scores: for every `backtest_step_days`-th day of the history with at least
    `churn_horizon_days` of follow-up, one row per customer, subject (overall and each
    dimension) and score, labelled with whether the customer asked to cancel within the horizon
    after the day. Customers already churning on the day are left out: their outcome is known.
-#}
{%- set days_since_start = dbt.datediff('bounds.first_score_date', 'history.score_date', 'day') -%}
{%- set subjects = ['health'] + var('dimensions') -%}
with

history as (

    select * from {{ ref('customer_health_daily') }}

),

history_days as (

    -- A second, one-column read of the history: a CTE read twice would be materialised whole.
    select score_date from {{ ref('customer_health_daily') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

bounds as (

    select
        min(score_date) as first_score_date,
        max(score_date) as last_score_date

    from history_days

),

cancellations as (

    select
        customer_id,
        cancelled_date

    from subscriptions
    where cancelled_date is not null

),

eligible as (

    select history.*
    from history
    cross join bounds
    where
        history.lifecycle_status != 'churning'
        and {{ dbt.dateadd('day', var('churn_horizon_days'), 'history.score_date') }} <= bounds.last_score_date
        and mod({{ days_since_start }}, {{ var('backtest_step_days') }}) = 0

),

labelled as (

    select
        eligible.customer_id,
        eligible.score_date,
        eligible.segment,
        eligible.score_confidence,
        eligible.churn_risk_90d,
        {% for subject in subjects -%}
            eligible.{{ subject }}_score,
        {% endfor -%}
        max(case when cancellations.customer_id is not null then 1 else 0 end) as churned_within_horizon,
        min(cancellations.cancelled_date) as cancelled_date

    from eligible
    left join cancellations
        on
            eligible.customer_id = cancellations.customer_id
            and eligible.score_date < cancellations.cancelled_date
            and cancellations.cancelled_date
            <= {{ dbt.dateadd('day', var('churn_horizon_days'), 'eligible.score_date') }}
    group by
        eligible.customer_id,
        eligible.score_date,
        eligible.segment,
        eligible.score_confidence,
        eligible.churn_risk_90d,
        {% for subject in subjects -%}
            eligible.{{ subject }}_score{% if not loop.last %},{% endif %}
        {% endfor %}

),

final as (

    {% for subject in subjects -%}
        select
            customer_id,
            score_date,
            '{{ "overall" if subject == "health" else subject }}' as subject,
            {{ subject }}_score as score,
            segment,
            score_confidence,
            churn_risk_90d,
            churned_within_horizon,
            cancelled_date
        from labelled
        where {{ subject }}_score is not null
        {% if not loop.last %}
            union all
        {% endif -%}
    {%- endfor %}

)

select * from final
