-- Usage for one calendar month. An event is one user's use of one feature in one session;
-- quantity counts the actions in it. Weekdays are busy, weekends and the year-end quiet.
with days as (
    -- Only numbers travel through the expansions: strings are built once per output row.
    select
        a.cust_num,
        a.live_from_s,
        a.live_to_s,
        a.h_eff,
        a.seats,
        a.adoption_base,
        a.breadth_base,
        (a.week_start + to_days(d.d::integer))::date as day  -- noqa: RF04
    from $behaviour as a
    cross join range(7) as d (d)
    where
        a.week_start >= timestamp '$month_start' - interval 6 day
        and a.week_start < timestamp '$month_end'
),

in_month as (
    select
        *,
        date_diff('day', date '$w0', day) as day_num,
        year(day) * 10000 + month(day) * 100 + day(day) as yyyymmdd,
        greatest(1, floor(seats * clamp(adoption_base + 0.12 * h_eff, 0.05, 0.95)))::integer
            as user_pool,
        clamp(round(4 + 1.5 * breadth_base + 1.2 * h_eff), 2, 10)::integer as features_used
    from days
    where day >= date '$month_start' and day < date '$month_end' and day <= date '$end_date'
),

counts as (
    select
        *,
        least(
            999,
            floor(
                user_pool
                * $usage_rate
                * (case isodow(day) when 6 then 0.22 when 7 then 0.15 else 1.0 end)
                * (case when month(day) = 12 and day(day) >= 24 then 0.5
                    when month(day) = 1 and day(day) = 1 then 0.5 else 1.0
                end)
                * exp(0.35 * h_eff + 0.35 * nrm('usage_day', cust_num, day_num))
                + rnd('usage_round', cust_num, day_num)
            )
        )::integer as n_events
    from in_month
),

-- No "where n_events > 0": an empty range yields no rows, and a filter would make DuckDB
-- compute n_events twice.
events as (
    select
        cust_num,
        day_num,
        yyyymmdd,
        user_pool,
        features_used,
        live_from_s,
        live_to_s,
        unnest(range(n_events)) as seq
    from counts
),

hashed as (
    select
        *,
        hbits('usage_a', cust_num, day_num * 1000 + seq) as ha,
        hbits('usage_b', cust_num, day_num * 1000 + seq) as hb
    from events
),

-- Times are epoch seconds until the end: integer arithmetic is much cheaper than intervals.
shaped as (
    select
        cust_num,
        yyyymmdd,
        seq,
        -- Skewed: a few power users account for most events, as in real products.
        1 + floor(user_pool * ubit(ha, 0) * ubit(ha, 0))::integer as user_num,
        1 + floor(features_used * ubit(ha, 1) * sqrt(ubit(ha, 1)))::integer as feature_num,
        $w0_epoch + day_num * 86400
        + floor(
            case
                -- Users outside the main time zones work at any hour.
                when ubit(hb, 0) < 0.2 then ubit(hb, 1) * 86400
                else 28800 + (ubit(hb, 1) + ubit(hb, 2)) * 21600
            end
        )::bigint as occurred_s,
        ubit(ha, 2) as u_quantity,
        live_from_s,
        live_to_s
    from hashed
),

-- Strings are built last, and customer_id comes from a join: at ~50 million rows, string
-- formatting costs more than everything else in an event.
final as (
    select
        'E' || (s.cust_num * 100000000000 + s.yyyymmdd * 1000 + s.seq)::varchar as event_id,
        c.customer_id,
        concat(c.customer_id, '-U', s.user_num::varchar) as user_id,
        [
            'dashboards', 'reports', 'search', 'collaboration', 'exports', 'alerts',
            'integrations', 'api', 'automation', 'settings'
        ][s.feature_num] as feature,
        make_timestamp(s.occurred_s * 1000000) as occurred_at,
        (1 + floor(-ln(1 - s.u_quantity) * [4, 4, 4, 4, 2, 4, 8, 25, 6, 4][s.feature_num]))::integer
            as quantity,
        s.occurred_s,
        s.cust_num,
        s.seq
    from shaped as s
    inner join cust as c on s.cust_num = c.cust_num
    where s.occurred_s > s.live_from_s and s.occurred_s < s.live_to_s
)

-- Integer keys sort faster than timestamps and strings and give the same total order.
select * exclude (occurred_s, cust_num, seq) from final
order by occurred_s, cust_num, seq
