-- Each dimension's sub-score (after its own rules) and the sentence that explains it.
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
    'usage: ' || whole_text(m.active_users) || ' of '
    || coalesce(whole_text(m.seats_purchased), '?') || ' seats and '
    || whole_text(m.features_used) || ' of '
    || coalesce(whole_text(m.features_available), '?') || ' features used in the last '
    || whole_text(m.window_days) || ' days'
    || coalesce(
        ', events ' || case when m.events_trend_pct < 0 then 'down ' else 'up ' end
        || whole_text(abs(m.events_trend_pct)) || '% on the window before',
        ''
    ) as usage_detail
from usage_metrics as m
inner join dimension_scores_raw as d
    on d.dimension = 'usage' and m.customer_id = d.customer_id and m.score_date = d.score_date;

create or replace temp table support_scores as
select
    m.customer_id,
    m.score_date,
    false as is_support_silence,
    d.score_raw as support_score,
    'support: ' || whole_text(m.tickets_opened) || ' tickets in the last '
    || whole_text(m.window_days) || ' days, '
    || whole_text(m.urgent_high_tickets) || ' high or urgent, '
    || whole_text(m.resolution_sla_breaches) || ' past the resolution SLA'
    || coalesce(', ticket CSAT ' || cast(round(m.avg_ticket_csat, 1) as varchar) || ' of 5', '') as support_detail
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
    'support: no ticket in the last ' || whole_text(${support_window_days}) || ' days from a '
    || whole_text(lifecycle.seats_purchased) || '-seat account with low usage (silence, not health)'
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
    'satisfaction: '
    || coalesce(
        'latest NPS ' || whole_text(m.latest_nps) || ' (' || m.nps_category || ') '
        || whole_text(m.latest_nps_age_days) || ' days ago',
        'no NPS answer'
    )
    || coalesce(', CSAT ' || whole_text(m.csat_pct) || '/100', '')
    || coalesce(', micro-ratings ' || whole_text(m.micro_rating_pct) || '/100', '')
    || coalesce(', CSM pulse ' || whole_text(m.csm_pulse_pct) || '/100', '') as satisfaction_detail
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
    'financial: '
    || case
        when m.overdue_amount > 0
            then whole_text(m.overdue_amount) || ' overdue ('
                || cast(round(m.overdue_to_mrr_ratio, 1) as varchar) || 'x MRR), '
        else 'nothing overdue, '
    end
    || 'up to ' || whole_text(m.max_days_past_due) || ' days past due, '
    || whole_text(m.failed_payments) || ' failed payments in the last '
    || whole_text(m.window_days) || ' days'
    || coalesce(', ' || whole_text(m.late_paid_pct) || '% of invoices paid late', '') as financial_detail
from financial_metrics as m
inner join dimension_scores_raw as d
    on d.dimension = 'financial' and m.customer_id = d.customer_id and m.score_date = d.score_date;

create or replace temp table engagement_scores as
select
    m.customer_id,
    m.score_date,
    d.score_raw as engagement_score,
    m.has_advocacy,
    'engagement: ' || whole_text(m.touchpoints) || ' touchpoints in the last '
    || whole_text(m.window_days) || ' days worth '
    || whole_text(m.gross_points) || ' points after decay, last one '
    || whole_text(m.days_since_last_touchpoint) || ' days ago'
    || case
        when m.silent_weeks > 0
            then ' (' || whole_text(m.silent_weeks) || ' weeks of silence cost '
                || whole_text(m.silence_penalty_points) || ' points)'
        else ''
    end as engagement_detail
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
    'relationship: '
    || coalesce('term ends in ' || whole_text(days_to_term_end) || ' days, ', 'no term end, ')
    || whole_text(renewals_completed) || ' renewals, '
    || whole_text(tenure_days) || ' days of tenure'
    || case
        when contraction_pct > 0
            then ', MRR down ' || whole_text(contraction_pct) || '% on '
                || whole_text(window_days) || ' days ago'
        when expansion_status = 'backed' then ', expansion backed by engagement'
        when expansion_status = 'not_backed' then ', expansion not backed by engagement (neutral)'
        else ''
    end as relationship_detail
from upsell;
