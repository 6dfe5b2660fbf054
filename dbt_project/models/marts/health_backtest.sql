{#-
    Does the score predict churn? Long table, one row per analysis and subject:
    - auc: per backtest day and pooled over all of them (score_date null), for the overall
      score and each sub-score: P(a customer who stayed scored higher than one who asked to
      cancel within `churn_horizon_days`), rank-sum form;
    - decile: churn rate per decile of the overall score (1 = lowest) pooled over backtest days,
      and its lift against the overall churn rate;
    - segment: churn rate (precision) and share of all churners caught (recall) per segment;
    - churn_risk: per decile of the overall score, the observed churn rate against the mean
      `churn_risk_90d` predicted (reliability of the churn_risk_bands seed);
    - confidence: churn rate per score_confidence, and the share of observations in it;
    - warning: for customers who asked to cancel, the median days between first turning red
      (within the horizon before the request) and the request.
-#}
with

observations as (

    select * from {{ ref('health_backtest_observations') }}

),

auc as (

    select * from {{ ref('health_backtest_auc') }}

),

history as (

    select * from {{ ref('customer_health_daily') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

overall_scores as (

    select
        *,
        -- Ties in score are split between deciles by customer, not in whatever order the
        -- engine met them (which differs between engines, and between runs on more threads).
        ntile(10) over (partition by score_date order by score, customer_id) as score_decile

    from observations
    where subject = 'overall'

),

base_rate as (

    select avg(cast(churned_within_horizon as double)) as churn_rate
    from overall_scores

),

deciles as (

    select
        score_decile,
        count(*) as observations,
        sum(churned_within_horizon) as churned,
        avg(cast(churned_within_horizon as double)) as churn_rate,
        {{ exact_avg('churn_risk_90d') }} as predicted_churn_risk

    from overall_scores
    group by score_decile

),

confidence as (

    select
        score_confidence,
        count(*) as observations,
        sum(churned_within_horizon) as churned

    from overall_scores
    group by score_confidence

),

segments as (

    select
        segment,
        count(*) as observations,
        sum(churned_within_horizon) as churned,
        avg(cast(churned_within_horizon as double)) as churn_rate

    from overall_scores
    group by segment

),

cancellations as (

    select
        customer_id,
        min(cancelled_date) as cancelled_date

    from subscriptions
    where cancelled_date is not null
    group by customer_id

),

first_red as (

    select
        cancellations.customer_id,
        cancellations.cancelled_date,
        min(case when history.health_color = 'red' then history.score_date end) as first_red_date,
        count(*) as days_scored_before

    from cancellations
    inner join history
        on
            cancellations.customer_id = history.customer_id
            and cancellations.cancelled_date > history.score_date
            and history.score_date
            >= {{ dbt.dateadd('day', -var('churn_horizon_days'), 'cancellations.cancelled_date') }}
    group by cancellations.customer_id, cancellations.cancelled_date

),

warning as (

    select
        count(*) as observations,
        count(first_red_date) as churned,
        median({{ dbt.datediff('first_red_date', 'cancelled_date', 'day') }}) as median_days

    from first_red

),

unioned as (

    select
        'auc' as analysis,
        score_date,
        subject,
        observations,
        churned,
        auc as metric_value

    from auc

    union all

    select
        'decile' as analysis,
        cast(null as date) as score_date,
        cast(deciles.score_decile as {{ dbt.type_string() }}) as subject,
        deciles.observations,
        deciles.churned,
        deciles.churn_rate / nullif(base_rate.churn_rate, 0) as metric_value

    from deciles
    cross join base_rate

    union all

    select
        'segment' as analysis,
        cast(null as date) as score_date,
        segments.segment as subject,
        segments.observations,
        segments.churned,
        segments.churned / nullif(cast(sum(segments.churned) over () as double), 0) as metric_value

    from segments

    union all

    select
        'churn_risk' as analysis,
        cast(null as date) as score_date,
        cast(score_decile as {{ dbt.type_string() }}) as subject,
        observations,
        churned,
        predicted_churn_risk as metric_value

    from deciles

    union all

    select
        'confidence' as analysis,
        cast(null as date) as score_date,
        score_confidence as subject,
        observations,
        churned,
        observations / nullif(cast(sum(observations) over () as double), 0) as metric_value

    from confidence

    union all

    select
        'warning' as analysis,
        cast(null as date) as score_date,
        'median_days_red_before_cancellation' as subject,
        observations,
        churned,
        median_days as metric_value

    from warning

),

final as (

    select
        cast(analysis as {{ dbt.type_string() }}) as analysis,
        cast(score_date as date) as score_date,
        cast(subject as {{ dbt.type_string() }}) as subject,
        cast(observations as bigint) as observations,
        cast(churned as bigint) as churned,
        cast(churned as double) / nullif(cast(observations as double), 0) as churn_rate,
        cast(metric_value as double) as metric_value

    from unioned

)

select * from final
