-- Each dimension's sub-score (after its own rules), with the numbers its sentence is made of:
-- the sentence is built for the primary driver only (70_health.sql, driver_details).
-- As dbt's stable_round: the half of the last decimal rounded as a decimal (away from zero).
create or replace macro stable_round(x, n) as
    cast(round(cast(round(x, 9) as decimal(38, 9)), n) as double);
create or replace macro whole_text(x) as cast(cast(stable_round(x, 0) as bigint) as varchar);

create or replace temp table usage_scores as
select
    m.customer_id,
    m.score_date,
    d.score_raw as usage_score,
    m.active_days,
    m.active_users,
    m.seats_purchased,
    m.features_used,
    m.features_available,
    m.window_days,
    m.events_trend_pct
from usage_metrics as m
inner join dimension_scores_raw as d
    on d.dimension = 'usage' and m.customer_id = d.customer_id and m.score_date = d.score_date;

create or replace temp table support_scores as
select
    m.customer_id,
    m.score_date,
    false as is_support_silence,
    d.score_raw as support_score,
    m.tickets_opened,
    m.window_days,
    m.urgent_high_tickets,
    m.resolution_sla_breaches,
    m.avg_ticket_csat,
    null as seats_purchased
from support_metrics as m
inner join dimension_scores_raw as d
    on d.dimension = 'support' and m.customer_id = d.customer_id and m.score_date = d.score_date

union all

-- Silence rule: a large account with low (or no) usage and no ticket in the window.
select
    lifecycle.customer_id,
    lifecycle.score_date,
    true as is_support_silence,
    settings.support_silence_score as support_score,
    0 as tickets_opened,
    ${support_window_days} as window_days,
    null as urgent_high_tickets,
    null as resolution_sla_breaches,
    null as avg_ticket_csat,
    lifecycle.seats_purchased
from lifecycle
cross join settings
left join support_per_customer as p
    on lifecycle.customer_id = p.customer_id and lifecycle.score_date = p.score_date
left join usage_scores
    on lifecycle.customer_id = usage_scores.customer_id and lifecycle.score_date = usage_scores.score_date
where
    lifecycle.lifecycle_status in ('active', 'churning')
    and p.customer_id is null
    and lifecycle.seats_purchased >= settings.support_silence_min_seats
    and coalesce(usage_scores.usage_score, 0) < settings.support_silence_max_usage_score;

create or replace temp table satisfaction_scores as
select
    m.customer_id,
    m.score_date,
    m.nps_category,
    case when m.has_recent_detractor then least(d.score_raw, m.detractor_cap_score) else d.score_raw end
        as satisfaction_score,
    m.latest_nps,
    m.latest_nps_age_days,
    m.csat_pct,
    m.micro_rating_pct,
    m.csm_pulse_pct
from satisfaction_metrics as m
inner join dimension_scores_raw as d
    on d.dimension = 'satisfaction' and m.customer_id = d.customer_id and m.score_date = d.score_date;

create or replace temp table financial_scores as
select
    m.customer_id,
    m.score_date,
    d.score_raw as financial_score,
    m.max_days_past_due,
    m.failed_payments,
    m.overdue_amount,
    m.overdue_to_mrr_ratio,
    m.window_days,
    m.late_paid_pct
from financial_metrics as m
inner join dimension_scores_raw as d
    on d.dimension = 'financial' and m.customer_id = d.customer_id and m.score_date = d.score_date;

create or replace temp table engagement_scores as
select
    m.customer_id,
    m.score_date,
    d.score_raw as engagement_score,
    m.has_advocacy,
    m.touchpoints,
    m.window_days,
    m.gross_points,
    m.days_since_last_touchpoint,
    m.silent_weeks,
    m.silence_penalty_points
from engagement_metrics as m
inner join dimension_scores_raw as d
    on d.dimension = 'engagement' and m.customer_id = d.customer_id and m.score_date = d.score_date;

create or replace temp table relationship_scores as
with upsell as (
    select
        m.*,
        d.score_raw,
        case
            when not m.has_expansion then 'none'
            when engagement_scores.engagement_score >= settings.expansion_min_engagement_score then 'backed'
            else 'not_backed'
        end as expansion_status,
        settings.expansion_bonus_points
    from relationship_metrics as m
    inner join dimension_scores_raw as d
        on d.dimension = 'relationship' and m.customer_id = d.customer_id and m.score_date = d.score_date
    cross join settings
    left join engagement_scores
        on m.customer_id = engagement_scores.customer_id and m.score_date = engagement_scores.score_date
)

select
    customer_id,
    score_date,
    expansion_status,
    least(greatest(
        score_raw + case when expansion_status = 'backed' then expansion_bonus_points else 0 end, 0), 100)
        as relationship_score,
    days_to_term_end,
    renewals_completed,
    tenure_days,
    contraction_pct,
    window_days
from upsell;
