-- Every metric of every dimension as one row, scored by its metric_scoring rule, then each
-- dimension's raw sub-score: the weighted mean of the metric scores present, clamped to 0-100.
create or replace temp table metric_values as
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
),

-- The order of the metrics in the dbt models (dimension_metrics()): sums run in that order, so
-- the floats match to the last bit.
metric_order as (
    select * from (values
        ('active_days', 1), ('active_user_pct', 2), ('feature_breadth_pct', 3), ('key_feature_depth', 4),
        ('events_trend_pct', 5),
        ('tickets_per_10_seats', 1), ('urgent_high_pct', 2), ('first_response_sla_pct', 3),
        ('resolution_sla_pct', 4), ('reopen_pct', 5), ('avg_ticket_csat', 6),
        ('latest_nps', 1), ('csat_pct', 2), ('micro_rating_pct', 3), ('csm_pulse_pct', 4),
        ('overdue_to_mrr_ratio', 1), ('max_days_past_due', 2), ('failed_payments', 3), ('late_paid_pct', 4),
        ('tenure_days', 1), ('renewals_completed', 2), ('days_to_term_end', 3), ('contraction_pct', 4),
        ('engagement_net_points', 1)
    ) as metric_order (metric_name, metric_position)
)

select unpivoted.*, metric_order.metric_position
from unpivoted
inner join metric_order on unpivoted.metric_name = metric_order.metric_name
where unpivoted.metric_value is not null;

create or replace temp table dimension_scores_raw as
with rules as (
    select dimension, metric_name, method as scoring_method, metric_weight, worst_value, best_value
    from seed_metric_scoring
),

banded as (
    select
        metric_values.dimension,
        metric_values.customer_id,
        metric_values.score_date,
        metric_values.metric_name,
        bands.band_score
    from metric_values
    inner join rules
        on metric_values.dimension = rules.dimension and metric_values.metric_name = rules.metric_name
    inner join seed_metric_bands as bands
        on metric_values.metric_name = bands.metric_name and metric_values.metric_value >= bands.lower_bound
    where rules.scoring_method = 'bands'
    qualify row_number() over (
        partition by metric_values.dimension, metric_values.customer_id, metric_values.score_date, metric_values.metric_name
        order by bands.lower_bound desc
    ) = 1
),

percentiles as (
    select
        metric_values.dimension,
        metric_values.customer_id,
        metric_values.score_date,
        metric_values.metric_name,
        case
            when count(*) over (partition by metric_values.score_date, metric_values.metric_name, metric_values.plan) <= 1
                then 50.0
            else 100.0 * (
                case
                    when rules.best_value >= rules.worst_value
                        then rank() over (
                            partition by metric_values.score_date, metric_values.metric_name, metric_values.plan
                            order by metric_values.metric_value asc
                        )
                    else rank() over (
                        partition by metric_values.score_date, metric_values.metric_name, metric_values.plan
                        order by metric_values.metric_value desc
                    )
                end
                - 1
                + 0.5 * (count(*) over (
                    partition by metric_values.score_date, metric_values.metric_name, metric_values.plan, metric_values.metric_value
                ) - 1)
            ) / (count(*) over (partition by metric_values.score_date, metric_values.metric_name, metric_values.plan) - 1)
        end as percentile_score
    from metric_values
    inner join rules
        on metric_values.dimension = rules.dimension and metric_values.metric_name = rules.metric_name
    where rules.scoring_method = 'plan_percentile'
),

metric_scores as (
    select
        metric_values.dimension,
        metric_values.customer_id,
        metric_values.score_date,
        metric_values.metric_position,
        rules.metric_weight * metric_values.weight_factor as metric_weight,
        case rules.scoring_method
            when 'linear' then least(greatest(
                100.0 * (metric_values.metric_value - rules.worst_value) / nullif(rules.best_value - rules.worst_value, 0),
                0), 100)
            when 'bands' then banded.band_score
            when 'plan_percentile' then percentiles.percentile_score
        end as metric_score
    from metric_values
    inner join rules
        on metric_values.dimension = rules.dimension and metric_values.metric_name = rules.metric_name
    left join banded
        on
            metric_values.dimension = banded.dimension
            and metric_values.customer_id = banded.customer_id
            and metric_values.score_date = banded.score_date
            and metric_values.metric_name = banded.metric_name
    left join percentiles
        on
            metric_values.dimension = percentiles.dimension
            and metric_values.customer_id = percentiles.customer_id
            and metric_values.score_date = percentiles.score_date
            and metric_values.metric_name = percentiles.metric_name
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
group by all;
