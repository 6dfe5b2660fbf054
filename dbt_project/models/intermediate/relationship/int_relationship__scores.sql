{#-
    Relationship per customer in scope (active or churning) on each score date: tenure,
    renewals completed, days left in the current term, and MRR against the comparison period.
-#}
{%- set metrics = ['tenure_days', 'renewals_completed', 'days_to_term_end', 'mrr_change_pct'] -%}
{%- set tenure_days = dbt.datediff('in_scope.created_date', 'in_scope.score_date', 'day') -%}
{%- set comparison_date = dbt.dateadd('day', -var('mrr_comparison_days'), 'in_scope.score_date') -%}
with

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

in_scope as (

    select * from lifecycle
    where lifecycle_status in ('active', 'churning')

),

earlier_mrr as (

    -- MRR of the subscription that covered the comparison day.
    select
        subscriptions.customer_id,
        in_scope.score_date,
        subscriptions.mrr,
        row_number() over (
            partition by subscriptions.customer_id, in_scope.score_date
            order by subscriptions.started_date desc, subscriptions.subscription_id desc
        ) as recency_rank

    from subscriptions
    inner join in_scope
        on
            subscriptions.customer_id = in_scope.customer_id
            and subscriptions.started_date <= {{ comparison_date }}
            and (subscriptions.ends_date is null or subscriptions.ends_date > {{ comparison_date }})

),

renewals as (

    select
        subscriptions.customer_id,
        in_scope.score_date,
        count(*) as renewals_completed

    from subscriptions
    inner join in_scope
        on
            subscriptions.customer_id = in_scope.customer_id
            and subscriptions.started_date <= in_scope.score_date
    where subscriptions.is_renewal
    group by subscriptions.customer_id, in_scope.score_date

),

metrics as (

    select
        in_scope.customer_id,
        in_scope.score_date,
        in_scope.mrr,
        earlier_mrr.mrr as comparison_mrr,
        {{ tenure_days }} as tenure_days,
        coalesce(renewals.renewals_completed, 0) as renewals_completed,
        {{ dbt.datediff('in_scope.score_date', 'in_scope.current_term_ends_date', 'day') }}
            as days_to_term_end,
        100.0 * {{ ratio('in_scope.mrr - earlier_mrr.mrr', 'earlier_mrr.mrr') }} as mrr_change_pct

    from in_scope
    left join earlier_mrr
        on
            in_scope.customer_id = earlier_mrr.customer_id
            and in_scope.score_date = earlier_mrr.score_date
            and earlier_mrr.recency_rank = 1
    left join renewals
        on
            in_scope.customer_id = renewals.customer_id
            and in_scope.score_date = renewals.score_date

),

{{ dimension_scores('relationship', metrics) }},

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
        dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.relationship_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
