{{ config(meta={'dagster': {'ref': {'name': 'customer_segments'}}}) }}
-- Each segment's total MRR is its customers' MRR converted to the reporting currency at the
-- fx_rates row in force on the as-of date, recomputed here from the seed, not from the mart.
with

rates as (

    select
        health.customer_id,
        health.segment,
        health.mrr * fx.rate_to_reporting as converted_mrr,
        row_number() over (partition by health.customer_id order by fx.valid_from desc) as version_rank
    from {{ ref('customer_health') }} as health
    inner join {{ ref('fx_rates') }} as fx
        on
            health.currency = upper(fx.currency)
            and fx.valid_from <= health.as_of_date

),

expected as (

    select
        segment,
        sum(converted_mrr) as expected_mrr
    from rates
    where version_rank = 1
    group by segment

)

select
    segments.segment,
    segments.total_mrr_reporting,
    expected.expected_mrr
from {{ ref('customer_segments') }} as segments
left join expected
    on segments.segment = expected.segment
where abs(coalesce(segments.total_mrr_reporting, 0) - coalesce(expected.expected_mrr, 0)) > 0.01 * segments.customers
