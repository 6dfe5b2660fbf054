select
    subscription_id,
    customer_id,
    plan,
    mrr,
    currency,
    started_at,
    ends_at,
    status,
    is_renewal,
    cancelled_at,
    cancellation_reason
from subs
order by subscription_id
