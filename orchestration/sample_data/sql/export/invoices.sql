-- Calendar-month billing on the 1st, for every contract (annual ones are billed monthly too).
with month_starts as (
    select m::timestamp as issued_at
    -- `as r (m)` names the column of range(): not an unused alias.
    from range(date_trunc('month', date '$w0'), date '$end_excl', interval 1 month) as r (m)  -- noqa: AL05
    where m >= date '$w0'
),

billable as (
    select
        a.cust_num,
        a.h_eff,
        m.issued_at,
        date_diff('month', date '$w0', m.issued_at) as month_num
    from activity as a
    inner join month_starts as m
        on a.week_start <= m.issued_at and m.issued_at < a.week_start + interval 7 day
    where m.issued_at >= a.live_from and m.issued_at < a.live_to
),

priced as (
    select
        b.*,
        s.mrr as amount,
        s.currency,
        -- Starters pay by card on 14-day terms; larger accounts get 30-day terms.
        b.issued_at + (case when s.plan = 'starter' then interval 14 day else interval 30 day end)
            as due_at,
        rnd('i_status', b.cust_num, b.month_num) as u_status,
        rnd('i_late', b.cust_num, b.month_num) as u_late,
        rnd('i_pay', b.cust_num, b.month_num) as u_pay
    from billable as b
    asof inner join subs as s on b.cust_num = s.cust_num and b.issued_at >= s.started_at
),

-- Whether an invoice is paid on time is decided around its due date: by the health then. A due
-- date after the customer left, or past the window, keeps the health at issue.
at_due as (
    select
        p.*,
        coalesce(d.h_eff, p.h_eff) as h_due
    from priced as p
    left join activity as d
        on
            p.cust_num = d.cust_num
            and p.due_at >= d.week_start
            and p.due_at < d.week_start + interval 7 day
),

-- A healthy account (h_eff 1) pays ~6% of its invoices late, by ~6 days, and ~1% fail; one in
-- trouble (h_eff -1, or deep in its pre-churn dip) pays a third late, by ~3 weeks, and ~8% fail.
paid as (
    select
        *,
        case
            when u_status < 0.010 then 'void'
            when u_status < 0.018 then 'refunded'
            when u_status < 0.018 + 0.010 + 0.14 * sigmoid(-2 * h_eff - 2) then 'failed'
        end as terminal_status,
        case
            when u_late < 0.04 + 0.60 * sigmoid(-1.6 * h_due - 1.6)
                then due_at + secs(86400 * (1 + 10 * exp(-0.7 * h_due) * -ln(1 - u_pay)))
            else issued_at + secs(u_pay * date_diff('second', issued_at, due_at))
        end as paid_at_full
    from at_due
),

final as (
    select
        'INV-' || lpad(cust_num::varchar, $width, '0') || '-' || strftime(issued_at, '%Y%m')
            as invoice_id,
        cid(cust_num) as customer_id,
        issued_at,
        due_at,
        case
            when terminal_status in ('void', 'failed') then null
            when paid_at_full < timestamp '$end_excl' then paid_at_full
        end as paid_at,
        amount,
        currency,
        case
            when terminal_status is not null then terminal_status
            when paid_at_full < timestamp '$end_excl' then 'paid'
            else 'open'
        end as status,
        cust_num
    from paid
)

select * exclude (cust_num) from final
order by issued_at, cust_num
