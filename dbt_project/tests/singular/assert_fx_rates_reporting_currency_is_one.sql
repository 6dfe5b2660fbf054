-- The reporting currency converts to itself at 1 in every version of the rates that lists it,
-- and it has a rate from the first version on: otherwise the seed is for another currency.
select
    currency,
    valid_from,
    rate_to_reporting
from {{ ref('fx_rates') }}
where
    upper(currency) = upper('{{ var("reporting_currency") }}')
    and rate_to_reporting <> 1

union all

select
    '{{ var("reporting_currency") }}' as currency,
    min(valid_from) as valid_from,
    null as rate_to_reporting
from {{ ref('fx_rates') }}
having
    min(valid_from) < coalesce(
        min(case when upper(currency) = upper('{{ var("reporting_currency") }}') then valid_from end),
        cast('9999-12-31' as date)
    )
