-- Score = centre + slope * health + noise, rounded and clamped to the kind's scale.
with kinds (
    kind_num, kind, base_rate, seat_power, lo, hi, centre, slope, noise, comment_rate
) as (
    values
    (1, 'nps', 0.035, 0.15, 0, 10, 7.4, 1.6, 1.4, 0.35),
    (2, 'csat', 0.05, 0.2, 1, 5, 4.0, 0.6, 0.8, 0.3),
    (3, 'thumbs', 0.12, 0.3, 0, 1, 0.0, 0.0, 0.0, 0.1),
    (4, 'emoji', 0.05, 0.3, 1, 5, 3.8, 0.7, 0.9, 0.15),
    (5, 'rating', 0.04, 0.3, 1, 5, 3.9, 0.6, 0.9, 0.25),
    (6, 'csm_pulse', 0.22, 0.0, 1, 5, 3.5, 0.9, 0.5, 0.7)
),

counts as (
    select
        a.cust_num,
        a.w,
        a.week_start,
        a.live_from,
        a.live_to,
        a.h_eff,
        a.created_at,
        k.kind_num,
        least(
            9,
            floor(
                k.base_rate * pow(a.seats / 20.0, k.seat_power)
                -- Only accounts with a CSM get the CSM's monthly pulse.
                * (case when k.kind = 'csm_pulse' and not a.has_csm then 0 else 1 end)
                + rnd('s_count', a.cust_num, a.w * 10 + k.kind_num)
            )
        )::integer as n_responses
    from $behaviour as a
    cross join kinds as k
),

responses as (
    select
        * exclude (n_responses),
        unnest(range(n_responses)) as j
    from counts
    where n_responses > 0
),

timed as (
    select
        r.*,
        k.kind,
        k.lo,
        k.hi,
        k.centre,
        k.slope,
        k.noise,
        k.comment_rate,
        (r.w * 10 + r.kind_num) * 10 + r.j as rkey,
        r.week_start + secs(rnd('s_at', r.cust_num, (r.w * 10 + r.kind_num) * 10 + r.j) * 604800)
            as responded_at
    from responses as r
    inner join kinds as k on r.kind_num = k.kind_num
),

scored as (
    select
        *,
        case
            when kind = 'thumbs'
                then (rnd('s_thumb', cust_num, rkey) < sigmoid(1.3 + 1.1 * h_eff))::integer
            else clamp(
                    round(centre + slope * h_eff + noise * nrm('s_score', cust_num, rkey)), lo, hi
                )::integer
        end as score
    from timed
    where responded_at > live_from and responded_at < live_to
),

final as (
    select
        'R' || (cust_num::bigint * 100000 + rkey)::varchar as response_id,
        cid(cust_num) as customer_id,
        responded_at,
        kind,
        score,
        case
            when kind = 'csat' and responded_at < created_at + interval 90 day then 'onboarding'
            when kind in ('thumbs', 'emoji', 'rating')
                and responded_at < created_at + interval 60 day then 'onboarding'
            when kind = 'csat' and rnd('s_touch', cust_num, rkey) < 0.65 then 'support'
            when kind = 'csat' then 'billing'
            when kind in ('nps', 'csm_pulse') and rnd('s_touch', cust_num, rkey) < 0.3
                then 'renewal'
            else 'product'
        end as touchpoint,
        case
            when rnd('s_comment', cust_num, rkey) >= comment_rate then null
            when (score - lo) / (hi - lo) >= 0.75
                then [
                        'Great product, keeps getting better', 'Support was fast and helpful',
                        'Dashboards save us hours every week', 'Love the new reports',
                        'Ótimo produto, recomendo', 'Très bon outil', 'Smooth onboarding',
                        'Team is happy, expansion likely'
                    ][1 + floor(8 * rnd('s_text', cust_num, rkey))::integer]
            when (score - lo) / (hi - lo) > 0.35
                then [
                        'Does the job', 'Some features are hard to find',
                        'OK, but exports could be faster', 'Waiting on the "bulk edit" feature',
                        'Pricing is a bit high for what we use', 'Mixed feedback from the team'
                    ][1 + floor(6 * rnd('s_text', cust_num, rkey))::integer]
            else [
                    'Too expensive for the value', 'Reports are slow and often time out',
                    'Support took days to answer', 'We are evaluating other tools',
                    'Integration keeps breaking, again', 'Nobody on the team uses it anymore',
                    'Budget cuts, may not renew'
                ][1 + floor(7 * rnd('s_text', cust_num, rkey))::integer]
        end as comment,  -- noqa: RF04
        cust_num,
        rkey
    from scored
)

select * exclude (cust_num, rkey) from final
order by responded_at, cust_num, rkey
