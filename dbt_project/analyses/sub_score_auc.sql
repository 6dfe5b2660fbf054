{#-
    How well each sub-score and the overall score separated the customers who churned from those
    who stayed. For each observation day (every `auc_step_days` back from the latest scored day
    with `churn_horizon_days` of follow-up in the data), customers active that day (not already
    churning) are labelled churned when they asked to cancel, or their last subscription lapsed,
    within the horizon after the day. AUC = P(score of a stayer > score of a churner), by rank
    sum with ties averaged; 0.5 is chance. One row per observation day and score, plus a
    `pooled` row per score over all the days. Run: `python -m orchestration.score_report auc`.
-#}
{%- set scores = ['health', 'usage', 'support', 'satisfaction', 'financial', 'relationship', 'engagement'] -%}
{%- set horizon_days = var('churn_horizon_days', 90) -%}
{%- set step_days = var('auc_step_days', 30) -%}
with

history as (

    select * from {{ ref('customer_health_daily') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

daily_facts as (

    select * from {{ ref('int_usage__daily_facts') }}

),

data_end as (

    select max(activity_date) as data_end_date from daily_facts

),

latest_observable as (

    select max(history.score_date) as latest_date
    from history
    cross join data_end
    where {{ dbt.dateadd('day', horizon_days, 'history.score_date') }} <= data_end.data_end_date

),

churn_dates as (

    -- The first cancellation request, or the day the last subscription lapsed within the data.
    select
        subscriptions.customer_id,
        least(
            coalesce(min(subscriptions.cancelled_date), cast('9999-12-31' as date)),
            case
                when max(coalesce(subscriptions.ends_date, cast('9999-12-31' as date))) <= max(data_end.data_end_date)
                    then max(subscriptions.ends_date)
                else cast('9999-12-31' as date)
            end
        ) as churn_date

    from subscriptions
    cross join data_end
    group by subscriptions.customer_id

),

observations as (

    select
        history.customer_id,
        history.score_date,
        coalesce(
            churn_dates.churn_date > history.score_date
            and churn_dates.churn_date <= {{ dbt.dateadd('day', horizon_days, 'history.score_date') }},
            false
        ) as has_churned,
        {% for score in scores -%}
            history.{{ score }}_score
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from history
    cross join latest_observable
    left join churn_dates
        on history.customer_id = churn_dates.customer_id
    where
        history.lifecycle_status = 'active'
        and history.score_date <= latest_observable.latest_date
        and mod({{ dbt.datediff('history.score_date', 'latest_observable.latest_date', 'day') }}, {{ step_days }}) = 0

),

long_scores as (

    {% for score in scores -%}
        select
            customer_id,
            score_date,
            has_churned,
            '{{ score }}' as score_name,
            {{ score }}_score as score
        from observations
        where {{ score }}_score is not null
        {% if not loop.last %}
            union all
        {% endif -%}
    {%- endfor %}

),

pooled as (

    select
        customer_id,
        score_date,
        has_churned,
        score_name,
        score,
        cast(score_date as {{ dbt.type_string() }}) as observation

    from long_scores

    union all

    select
        customer_id,
        score_date,
        has_churned,
        score_name,
        score,
        'pooled' as observation

    from long_scores

),

ranked as (

    -- Average rank of ties: rank() plus half the other tied rows.
    select
        observation,
        score_name,
        has_churned,
        rank() over (partition by observation, score_name order by score)
        + 0.5 * (count(*) over (partition by observation, score_name, score) - 1) as score_rank

    from pooled

),

summed as (

    select
        observation,
        score_name,
        count(case when not has_churned then 1 end) as stayers,
        count(case when has_churned then 1 end) as churners,
        sum(case when not has_churned then score_rank else 0 end) as stayer_rank_sum

    from ranked
    group by observation, score_name

),

final as (

    select
        observation,
        score_name,
        stayers,
        churners,
        (stayer_rank_sum - stayers * (stayers + 1) / 2.0) / nullif(stayers * churners, 0) as auc

    from summed

)

select * from final
order by observation, score_name
