{#-
    AUC of every subject (overall score and each sub-score) per backtest day, and pooled over
    all backtest days (score_date null): the probability that a customer who stayed scored
    higher than one who asked to cancel within the horizon (rank-sum form, ties count half).
-#}
with

observations as (

    select * from {{ ref('health_backtest_observations') }}

),

pooled_observations as (

    select
        customer_id,
        subject,
        score,
        churned_within_horizon,
        cast(null as date) as score_date

    from observations

),

by_day as (

    {{ auc_rank_sum('observations', ['score_date', 'subject']) }}

),

pooled as (

    {{ auc_rank_sum('pooled_observations', ['score_date', 'subject']) }}

),

auc_rows as (

    select * from by_day

    union all

    select * from pooled

),

final as (

    select
        score_date,
        subject,
        observations,
        churned,
        round(auc, 4) as auc

    from auc_rows

)

select * from final
