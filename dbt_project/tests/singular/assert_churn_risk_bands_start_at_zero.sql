-- Every version of the churn risk bands has a band at score 0, so every score finds a band.
select
    valid_from,
    min(min_score) as lowest_min_score
from {{ ref('churn_risk_bands') }}
group by valid_from
having min(min_score) > 0
