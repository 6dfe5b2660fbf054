-- Every metric of every dimension as one row, scored by its metric_scoring rule, then each
-- dimension's raw sub-score: the weighted mean of the metric scores present, clamped to 0-100.
create or replace temp view metric_values as
with unpivoted as (
    select 'usage' as dimension, customer_id, score_date, plan, metric_name, metric_value, 1.0 as weight_factor
    from (unpivot usage_metrics on
        active_days, active_user_pct, feature_breadth_pct, key_feature_depth, events_trend_pct
    into name metric_name value metric_value)
    union all
    select 'support', customer_id, score_date, plan, metric_name, metric_value, 1.0
    from (unpivot support_metrics on
        tickets_per_10_seats, urgent_high_pct, first_response_sla_pct, resolution_sla_pct, reopen_pct, avg_ticket_csat
    into name metric_name value metric_value)
    union all
    select 'satisfaction', customer_id, score_date, plan, metric_name, metric_value, weight_factor
    from (unpivot (
        select
            customer_id, score_date, plan,
            {'v': cast(latest_nps as double), 'w': latest_nps_recency} as latest_nps,
            {'v': cast(csat_pct as double), 'w': csat_recency} as csat_pct,
            {'v': cast(micro_rating_pct as double), 'w': micro_rating_recency} as micro_rating_pct,
            {'v': cast(csm_pulse_pct as double), 'w': csm_pulse_recency} as csm_pulse_pct
        from satisfaction_metrics
    ) on latest_nps, csat_pct, micro_rating_pct, csm_pulse_pct into name metric_name value metric)
    cross join lateral (select metric.v as metric_value, metric.w as weight_factor)
    union all
    select 'financial', customer_id, score_date, plan, metric_name, metric_value, 1.0
    from (unpivot (
        select
            customer_id, score_date, plan,
            cast(overdue_to_mrr_ratio as double) as overdue_to_mrr_ratio,
            cast(max_days_past_due as double) as max_days_past_due,
            cast(failed_payments as double) as failed_payments,
            cast(late_paid_pct as double) as late_paid_pct
        from financial_metrics
    ) on overdue_to_mrr_ratio, max_days_past_due, failed_payments, late_paid_pct into name metric_name value metric_value)
    union all
    select 'relationship', customer_id, score_date, plan, metric_name, metric_value, 1.0
    from (unpivot (
        select
            customer_id, score_date, plan,
            cast(tenure_days as double) as tenure_days,
            cast(renewals_completed as double) as renewals_completed,
            cast(days_to_term_end as double) as days_to_term_end,
            cast(contraction_pct as double) as contraction_pct
        from relationship_metrics
    ) on tenure_days, renewals_completed, days_to_term_end, contraction_pct into name metric_name value metric_value)
    union all
    select 'engagement', customer_id, score_date, plan, 'engagement_net_points', cast(engagement_net_points as double), 1.0
    from engagement_metrics
)

select * from unpivoted
where metric_value is not null;

-- One dimension at a time (a table macro), so each step groups one dimension's customer-days.
create or replace macro dimension_scores_of(scored_dimension) as table
with ruled as not materialized (
    select
        metric_values.*,
        rules.method as scoring_method,
        rules.metric_weight * metric_values.weight_factor as metric_weight,
        rules.worst_value,
        rules.best_value
    from metric_values
    inner join seed_metric_scoring as rules
        on metric_values.dimension = rules.dimension and metric_values.metric_name = rules.metric_name
    where metric_values.dimension = scored_dimension
),

metric_scores as (
    -- linear: between worst (0) and best (100), clamped outside.
    select
        dimension,
        customer_id,
        score_date,
        metric_weight,
        least(greatest(100.0 * (metric_value - worst_value) / nullif(best_value - worst_value, 0), 0), 100)
            as metric_score
    from ruled
    where scoring_method = 'linear'

    union all

    -- bands: the band with the highest lower bound at or below the value (an as-of join).
    select
        ruled.dimension,
        ruled.customer_id,
        ruled.score_date,
        ruled.metric_weight,
        bands.band_score
    from ruled
    asof left join seed_metric_bands as bands
        on ruled.metric_name = bands.metric_name and ruled.metric_value >= bands.lower_bound
    where ruled.scoring_method = 'bands'

    union all

    -- Any other method scores nothing (the metric drops out of the mean).
    select dimension, customer_id, score_date, metric_weight, cast(null as double)
    from ruled
    where scoring_method not in ('linear', 'bands', 'plan_percentile')

    union all

    -- plan_percentile: the mid-rank percentile among the customers of the same plan that day.
    select
        dimension,
        customer_id,
        score_date,
        metric_weight,
        case
            when count(*) over plan_day <= 1 then 50.0
            else 100.0 * (
                case
                    when best_value >= worst_value then rank() over (plan_day order by metric_value asc)
                    else rank() over (plan_day order by metric_value desc)
                end
                - 1
                + 0.5 * (count(*) over (partition by score_date, metric_name, plan, metric_value) - 1)
            ) / (count(*) over plan_day - 1)
        end
    from ruled
    where scoring_method = 'plan_percentile'
    window plan_day as (partition by score_date, metric_name, plan)
)

select
    dimension,
    customer_id,
    score_date,
    least(greatest(
        fsum(case when metric_score is not null then metric_score * metric_weight end)
        / nullif(fsum(case when metric_score is not null then metric_weight end), 0),
        0), 100) as score_raw
from metric_scores
group by dimension, customer_id, score_date;

create or replace temp table dimension_scores_raw as
select * from dimension_scores_of('usage');

insert into dimension_scores_raw select * from dimension_scores_of('support');

insert into dimension_scores_raw select * from dimension_scores_of('satisfaction');

insert into dimension_scores_raw select * from dimension_scores_of('financial');

insert into dimension_scores_raw select * from dimension_scores_of('relationship');

insert into dimension_scores_raw select * from dimension_scores_of('engagement');
