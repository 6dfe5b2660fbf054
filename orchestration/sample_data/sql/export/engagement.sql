-- Touchpoints per customer-week and kind; rates fall with health (silence before churn).
with kinds (kind_num, kind, base_rate, elasticity, has_sentiment, has_detail, needs_csm) as (
    values
    (1, 'email_opened', 0.9, 0.3, false, false, false),
    (2, 'email_clicked', 0.25, 0.45, false, false, false),
    (3, 'content_viewed', 0.35, 0.4, false, false, false),
    (4, 'webinar_attended', 0.05, 0.5, true, false, false),
    (5, 'training_completed', 0.04, 0.5, true, false, false),
    (6, 'event_invite_accepted', 0.02, 0.6, true, false, false),
    (7, 'meeting', 0.10, 0.2, true, false, true),
    (8, 'informal_meeting', 0.03, 0.4, true, false, true),
    (9, 'testimonial', 0.0005, 0.8, false, true, false),
    (10, 'spontaneous_feedback', 0.02, -0.1, false, true, false),
    (11, 'community_post', 0.05, 0.5, false, true, false),
    (12, 'like', 0.2, 0.5, false, false, false),
    (13, 'comment', 0.06, 0.4, false, true, false)
),

counts as (
    -- Only numbers travel through the cross join and the expansion.
    select
        a.cust_num,
        a.w,
        a.live_from_s,
        a.live_to_s,
        a.h_eff,
        k.kind_num,
        least(
            9,
            floor(
                k.base_rate * a.seat_factor * exp(k.elasticity * a.h_eff)
                -- Meetings need a CSM; tech-touch accounts rarely get one.
                * (case when k.needs_csm and not a.has_csm then 0.1 else 1.0 end)
                + rnd('e_count', a.cust_num, a.w * 100 + k.kind_num)
            )
        )::integer as n_touchpoints
    -- Once per customer-week, not once per kind: pow() is costly at 13 rows each.
    from (
        select
            *,
            pow(seats / 20.0, 0.35) as seat_factor
        from $behaviour
    ) as a
    cross join kinds as k
),

touchpoints as (
    select
        * exclude (n_touchpoints),
        unnest(range(n_touchpoints)) as j
    from counts
    where n_touchpoints > 0
),

timed as (
    select
        *,
        (w * 100 + kind_num) * 10 + j as ekey,
        $w0_epoch + w * 604800
        + floor(rnd('e_at', cust_num, (w * 100 + kind_num) * 10 + j) * 604800)::bigint
            as occurred_s
    from touchpoints
),

final as (
    select
        -- Ids from one integer (customer, week, kind, index): padding strings is slow here.
        'G' || (t.cust_num::bigint * 1000000 + t.ekey)::varchar as touchpoint_id,
        c.customer_id,
        make_timestamp(t.occurred_s * 1000000) as occurred_at,
        k.kind,
        case
            -- Feedback on the session is asked after some touchpoints and not always given.
            when not k.has_sentiment or rnd('e_asked', t.cust_num, t.ekey) >= 0.6 then null
            when rnd('e_sentiment', t.cust_num, t.ekey) < sigmoid(0.8 + 1.0 * t.h_eff)
                then 'liked'
            when rnd('e_sentiment', t.cust_num, t.ekey)
                < sigmoid(0.8 + 1.0 * t.h_eff) + 0.7 * (1 - sigmoid(0.8 + 1.0 * t.h_eff))
                then 'indifferent'
            else 'wasted_time'
        end as sentiment,
        case
            when k.has_detail
                then greatest(
                        5, round(exp(4.3 + 0.8 * nrm('e_length', t.cust_num, t.ekey)))
                    )::integer
        end as detail_length,
        t.occurred_s,
        t.cust_num,
        t.ekey
    from timed as t
    inner join kinds as k on t.kind_num = k.kind_num
    inner join cust as c on t.cust_num = c.cust_num
    where t.occurred_s > t.live_from_s and t.occurred_s < t.live_to_s
)

-- Integer keys sort faster than timestamps and strings and give the same total order.
select * exclude (occurred_s, cust_num, ekey) from final
order by occurred_s, cust_num, ekey
