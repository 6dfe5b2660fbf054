with counts as (
    select
        cust_num,
        w,
        week_start,
        live_from,
        live_to,
        h_eff,
        least(
            9,
            floor(
                0.11 * sqrt(seats / 20.0) * exp(-0.35 * h_eff)
                -- New customers ask more while onboarding.
                * (case when week_start < created_at + interval 56 day then 1.8 else 1.0 end)
                + rnd('tickets', cust_num, w)
            )
        )::integer as n_tickets
    from $behaviour
),

tickets as (
    select
        * exclude (n_tickets),
        unnest(range(n_tickets)) as j
    from counts
    where n_tickets > 0
),

opened as (
    select
        *,
        w * 10 + j as tkey,
        week_start + secs(rnd('t_open', cust_num, w * 10 + j) * 604800) as opened_at
    from tickets
),

prioritised as (
    select
        *,
        case
            when rnd('t_priority', cust_num, tkey) < 0.04 + 0.12 * sigmoid(-1.5 * h_eff)
                then 'urgent'
            when rnd('t_priority', cust_num, tkey) < 0.20 + 0.12 * sigmoid(-1.5 * h_eff)
                then 'high'
            when rnd('t_priority', cust_num, tkey) < 0.72 then 'normal'
            else 'low'
        end as priority,
        case
            when rnd('t_reopen', cust_num, tkey) < 0.02 + 0.10 * sigmoid(-1.5 * h_eff) then 2
            when rnd('t_reopen', cust_num, tkey) < 0.07 + 0.16 * sigmoid(-1.5 * h_eff) then 1
            else 0
        end as reopen_count
    from opened
    where opened_at > live_from and opened_at < live_to
),

timed as (
    select
        *,
        opened_at
        + secs(
            3600
            * (case priority when 'urgent' then 0.4 when 'high' then 1.5 when 'normal' then 5
                else 14
            end)
            * exp(0.7 * nrm('t_response', cust_num, tkey))
        ) as responded_at,
        3600
        * (case priority when 'urgent' then 5 when 'high' then 20 when 'normal' then 40
            else 80
        end)
        * exp(0.9 * nrm('t_resolve', cust_num, tkey) - 0.2 * h_eff)
        -- A reopened ticket takes days more.
        + reopen_count * 86400 * (1 + 4 * rnd('t_reopen_days', cust_num, tkey))
            as resolve_seconds
    from prioritised
),

resolved as (
    select
        *,
        responded_at + secs(resolve_seconds) as resolved_at_full
    from timed
),

final as (
    select
        'T' || (cust_num::bigint * 10000 + tkey)::varchar as ticket_id,
        cid(cust_num) as customer_id,
        opened_at,
        case when responded_at < timestamp '$end_excl' then responded_at end
            as first_response_at,
        case when resolved_at_full < timestamp '$end_excl' then resolved_at_full end
            as resolved_at,
        priority,
        -- Status as of the end date; resolved tickets auto-close after three days.
        case
            when resolved_at_full + interval 3 day < timestamp '$end_excl' then 'closed'
            when resolved_at_full < timestamp '$end_excl' then 'resolved'
            when responded_at < timestamp '$end_excl' and rnd('t_pending', cust_num, tkey) < 0.5
                then 'pending'
            else 'open'
        end as status,
        reopen_count,
        case
            when resolved_at_full < timestamp '$end_excl' and rnd('t_csat', cust_num, tkey) < 0.35
                then clamp(
                        round(
                            3.9 + 0.7 * h_eff
                            - (case when priority = 'urgent' then 0.5 else 0 end)
                            - 0.5 * reopen_count
                            + 0.9 * nrm('t_csat_score', cust_num, tkey)
                        ),
                        1,
                        5
                    )::integer
        end as csat,
        case
            when priority = 'urgent' and rnd('t_channel', cust_num, tkey) < 0.35 then 'phone'
            when rnd('t_channel', cust_num, tkey) < 0.42 then 'email'
            when rnd('t_channel', cust_num, tkey) < 0.70 then 'chat'
            when rnd('t_channel', cust_num, tkey) < 0.88 then 'web'
            else 'phone'
        end as channel,
        cust_num,
        tkey
    from resolved
)

select * exclude (cust_num, tkey) from final
order by opened_at, cust_num, tkey
