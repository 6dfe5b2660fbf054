-- Hidden health per customer-week: base + trend + triangular moving sum of integer shocks.
-- sum_{k=w-K+1..w} (K - (w - k)) * e_k == (K - w) * sum(e) + sum(k * e): two exact window sums.
create table health as
with shocks as (
    select
        c.cust_num,
        w.w::integer as w,
        round(nrm('walk', c.cust_num, w.w) * 1000)::bigint as shock
    from cust as c
    cross join range(-$kernel, $n_weeks) as w (w)
),

sums as (
    select
        cust_num,
        w,
        sum(shock) over kernel as s0,
        sum(shock * w) over kernel as s1
    from shocks
    window kernel as (
        partition by cust_num order by w rows between $kernel_minus_1 preceding and current row
    )
),

final as (
    select
        s.cust_num,
        s.w,
        c.health_base
        + c.health_trend_per_year * s.w / 52.0
        + 0.9 * (($kernel - s.w) * s.s0 + s.s1)::double / $kernel_norm as health
    from sums as s
    inner join cust as c on s.cust_num = c.cust_num
)

select * from final
