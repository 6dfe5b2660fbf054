-- Contract periods as they happened: cut at the churn, with statuses as of the end date.
create table subs as
with joined as (
    select
        p.*,
        ch.churned_at,
        coalesce(
            ch.churned_at >= p.started_at and ch.churned_at < p.ends_scheduled_at, false
        ) as is_cancelled_period
    from periods as p
    left join churn as ch on p.cust_num = ch.cust_num
    where ch.churned_at is null or p.started_at <= ch.churned_at
),

final as (
    select
        j.cust_num,
        j.k,
        'S' || lpad(j.cust_num::varchar, $width, '0') || '-' || lpad(j.k::varchar, 3, '0')
            as subscription_id,
        c.customer_id,
        j.plan,
        j.seats,
        round(
            j.seats
            * (case j.plan when 'starter' then 29 when 'growth' then 49 else 79 end)
            * c.discount
            * (case when j.term_months = 12 then 0.85 else 1.0 end)
            * (case c.currency when 'EUR' then 0.92 when 'GBP' then 0.79 when 'BRL' then 5.2
                else 1.0
            end),
            2
        )::double as mrr,
        c.currency,
        j.started_at,
        -- A cancelled contract ends when service stops, which is the cancellation.
        case when j.is_cancelled_period then j.churned_at else j.ends_scheduled_at end
            as ends_at,
        case
            when j.is_cancelled_period then 'cancelled'
            when j.ends_scheduled_at < timestamp '$end_excl' then 'expired'
            else 'active'
        end as status,
        j.k > 0 as is_renewal,
        case when j.is_cancelled_period then j.churned_at end as cancelled_at,
        case when j.is_cancelled_period then c.cancellation_reason end as cancellation_reason
    from joined as j
    inner join cust as c on j.cust_num = c.cust_num
)

select * from final
