with last_period as (
    select
        cust_num,
        arg_max(plan, k) as plan,
        arg_max(seats, k) as seats
    from subs
    group by cust_num
)

select
    c.customer_id,
    c.customer_name,
    lp.plan,
    c.industry,
    c.country,
    c.csm_owner,
    lp.seats as seats_purchased,
    c.created_at
from cust as c
inner join last_period as lp on c.cust_num = lp.cust_num
order by c.customer_id
