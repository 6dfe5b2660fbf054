{#- One row per segment present on the as-of date: customers, MRR and average score. -#}
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
        sum(customer_health.mrr) as total_mrr,
        avg(customer_health.health_score) as avg_health_score,
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
        cast(round(summary.total_mrr, 2) as double) as total_mrr,
        cast(round(summary.avg_health_score, 1) as double) as avg_health_score,
        cast(summary.min_health_score as double) as min_health_score,
        cast(summary.max_health_score as double) as max_health_score,
        cast(summary.as_of_date as date) as as_of_date

    from summary
    left join segment_thresholds
        on summary.segment = segment_thresholds.segment

)

select * from final
