-- Contract periods as scheduled (before churn): period k starts k terms after creation.
-- Seats change at period boundaries: expansions more likely when healthy, contractions when not.
create table periods as
with scheduled as (
    select
        c.cust_num,
        k.k::integer as k,
        c.created_at + to_months((k.k * c.term_months)::integer) as started_at,
        c.created_at + to_months(((k.k + 1) * c.term_months)::integer) as ends_scheduled_at
    from cust as c
    cross join range(0, $max_periods) as k (k)
    where c.created_at + to_months((k.k * c.term_months)::integer) < timestamp '$end_excl'
),

with_health as (
    select
        p.*,
        c.seats0,
        c.plan0,
        c.term_months,
        -- Boundaries older than the health history fall back to the customer's base level.
        coalesce(h.health, c.health_base) as boundary_health,
        rnd('seat_change', p.cust_num, p.k) as u_change,
        rnd('seat_size', p.cust_num, p.k) as u_size
    from scheduled as p
    inner join cust as c on p.cust_num = c.cust_num
    left join health as h on p.cust_num = h.cust_num and week_of(p.started_at) = h.w
),

deltas as (
    select
        *,
        (case when term_months = 12 then 0.22 else 0.025 end) * exp(0.35 * boundary_health)
            as p_expand,
        (case when term_months = 12 then 0.08 else 0.010 end) * exp(-0.5 * boundary_health)
        $contract_factor
            as p_contract
    from with_health
),

seat_steps as (
    select
        *,
        case
            when k = 0 then 0
            when u_change < p_expand then 1 + floor(seats0 * (0.1 + 0.3 * u_size))
            when u_change < p_expand + p_contract then -(1 + floor(seats0 * (0.05 + 0.2 * u_size)))
            else 0
        end::integer as seat_delta
    from deltas
),

seats as (
    select
        *,
        -- Contractions stop at the original tier's smallest size.
        greatest(
            case plan0 when 'starter' then 5 when 'growth' then 15 else 50 end,
            seats0 + sum(seat_delta) over (
                partition by cust_num order by k rows between unbounded preceding and current row
            )
        )::integer as seats
    from seat_steps
),

final as (
    select
        cust_num,
        k,
        started_at,
        ends_scheduled_at,
        term_months,
        seats,
        -- Tiers follow seats: past a tier's range is an upgrade, back inside it a downgrade,
        -- never below the tier the customer signed.
        case
            when plan0 in ('starter', 'growth') and seats > 60 then 'enterprise'
            when plan0 = 'starter' and seats > 15 then 'growth'
            else plan0
        end as plan
    from seats
)

select * from final
