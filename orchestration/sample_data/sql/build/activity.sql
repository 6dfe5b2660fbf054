-- One row per customer-week in the window while the customer is live: the effective health
-- (hidden health minus the pre-churn dip) and seats that drive every behavioural source.
create table activity as
with live as (
    select
        h.cust_num,
        h.w,
        (date '$w0' + to_days(7 * h.w))::timestamp as week_start,
        greatest(c.created_at, timestamp '$w0') as live_from,
        least(coalesce(ch.churned_at, timestamp '$end_excl'), timestamp '$end_excl') as live_to,
        h.health
        - case
            when ch.churned_at is null then 0.0
            else c.dip_strength * clamp(
                    1 - date_diff(
                        'second', date '$w0' + to_days(7 * h.w) + interval 84 hour, ch.churned_at
                    ) / 86400.0 / c.dip_days,
                    0,
                    1
                )
        end as h_eff,
        c.created_at,
        c.csm_owner is not null as has_csm,
        c.adoption_base,
        c.breadth_base,
        c.is_tracked
    from health as h
    inner join cust as c on h.cust_num = c.cust_num
    left join churn as ch on h.cust_num = ch.cust_num
    where h.w >= 0
),

overlapping as (
    select *
    from live
    where week_start < live_to and week_start + interval 7 day > live_from
),

-- Seats can change inside a week: take the lower of the two ends so that active users never
-- exceed the seats of the contract in force on any day.
at_start as (
    select
        o.*,
        s.seats as seats_start
    from overlapping as o
    asof left join subs as s on o.cust_num = s.cust_num and o.week_start >= s.started_at
),

at_end as (
    select
        a.*,
        s.seats as seats_end
    from at_start as a
    asof left join subs as s
        on a.cust_num = s.cust_num
            and a.week_start + interval 7 day - interval 1 second >= s.started_at
),

final as (
    select
        * exclude (seats_start, seats_end),
        least(coalesce(seats_start, seats_end), seats_end) as seats,
        date_diff('second', timestamp '1970-01-01', live_from) as live_from_s,
        date_diff('second', timestamp '1970-01-01', live_to) as live_to_s
    from at_end
)

select * from final
