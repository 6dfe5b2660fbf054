{#-
    One row per segment present on the as-of date: customers, MRR in the reporting currency
    (each customer's MRR converted at the rate of the day) and average score. Customers whose
    currency has no rate that day are counted in customers_missing_fx_rate, not in the MRR.
-#}
with

customer_health as (

    select * from {{ ref('customer_health') }}

),

segment_thresholds as (

    select * from {{ ref('segment_thresholds') }}

),

summary as (

    select
        customer_health.segment,
        max(customer_health.health_color) as health_color,
        max(customer_health.as_of_date) as as_of_date,
        count(*) as customers,
        {{ exact_sum('customer_health.mrr_reporting') }} as total_mrr_reporting,
        max(customer_health.reporting_currency) as reporting_currency,
        count(case when customer_health.is_fx_rate_missing then 1 end) as customers_missing_fx_rate,
        {{ exact_avg('customer_health.health_score') }} as avg_health_score,
        min(customer_health.health_score) as min_health_score,
        max(customer_health.health_score) as max_health_score

    from customer_health
    group by customer_health.segment

),

final as (

    select
        cast(summary.segment as {{ dbt.type_string() }}) as segment,
        cast(summary.health_color as {{ dbt.type_string() }}) as health_color,
        cast(coalesce(segment_thresholds.segment_order, 0) as integer) as segment_order,
        cast(summary.customers as integer) as customers,
        cast(round(100.0 * summary.customers / sum(summary.customers) over (), 1) as double)
            as customers_pct,
        cast(round(summary.total_mrr_reporting, 2) as double) as total_mrr_reporting,
        cast(summary.reporting_currency as {{ dbt.type_string() }}) as reporting_currency,
        cast(summary.customers_missing_fx_rate as integer) as customers_missing_fx_rate,
        cast(round(summary.avg_health_score, 1) as double) as avg_health_score,
        cast(summary.min_health_score as double) as min_health_score,
        cast(summary.max_health_score as double) as max_health_score,
        cast(summary.as_of_date as date) as as_of_date

    from summary
    left join segment_thresholds
        on summary.segment = segment_thresholds.segment

)

select * from final
