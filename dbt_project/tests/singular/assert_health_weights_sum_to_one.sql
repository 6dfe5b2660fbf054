-- Each plan's weights sum to 1 for every valid_from.
select
    plan,
    valid_from,
    sum(weight) as total_weight
from {{ ref('health_weights') }}
group by plan, valid_from
having abs(sum(weight) - 1) > 0.0001
