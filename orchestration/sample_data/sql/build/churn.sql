-- Churn candidates: one per renewal in the window (hazard over the whole term) and one per
-- week (a small mid-term hazard). The earliest accepted candidate is the churn.
create table churn as
with renewals as (
    select
        p.cust_num,
        -- Up to two days before the term ends, never exactly on it (that is the next term).
        p.ends_scheduled_at - secs(1 + rnd('notice', p.cust_num, p.k) * 172799) as churned_at,
        p.term_months / 12.0 * 0.85 as exposure_years,
        rnd('churn_renewal', p.cust_num, p.k) as u,
        p.k
    from periods as p
    where p.ends_scheduled_at >= timestamp '$w0' and p.ends_scheduled_at < timestamp '$end_excl'
),

renewal_candidates as (
    select
        r.cust_num,
        r.churned_at,
        r.exposure_years,
        r.u,
        h.health,
        true as is_renewal,
        r.k
    from renewals as r
    inner join health as h on r.cust_num = h.cust_num and week_of(r.churned_at) = h.w
),

mid_term_candidates as (
    select
        h.cust_num,
        timestamp '$w0' + to_days(7 * h.w) + secs(rnd('churn_at', h.cust_num, h.w) * 604800)
            as churned_at,
        $mid_term_exposure as exposure_years,
        rnd('churn_mid', h.cust_num, h.w) as u,
        h.health,
        false as is_renewal,
        null::integer as k
    from health as h
    where h.w >= 0
),

candidates as (
    select * from renewal_candidates
    union all
    select * from mid_term_candidates
),

-- What a profile's churn rule may read besides the hidden health: the term and its renewals, and
-- the tenure at the candidate's date.
exposed as (
    select
        cand.*,
        c.term_months,
        date_diff('day', c.created_at, cand.churned_at) as tenure_days
    from candidates as cand
    inner join cust as c on cand.cust_num = c.cust_num
),

accepted as (
    select
        cand.cust_num,
        cand.churned_at
    from exposed as cand
    inner join cust as c on cand.cust_num = c.cust_num
    where
        cand.u < $churn_probability
        and cand.churned_at >= timestamp '$w0'
        and cand.churned_at < timestamp '$end_excl'
        -- Nobody cancels in the first month: that is onboarding, not churn.
        and cand.churned_at > c.created_at + interval 30 day
),

final as (
    select
        cust_num,
        min(churned_at) as churned_at
    from accepted
    group by cust_num
)

select * from final
