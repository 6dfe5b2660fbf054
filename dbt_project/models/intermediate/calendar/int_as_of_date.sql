{#- One row: the day everything is scored for (the `as_of_date` var, else the latest usage day). -#}
with

usage_days as (

    select max(activity_date) as latest_activity_date
    from {{ ref('int_usage__daily_facts') }}

),

final as (

    select coalesce({{ as_of_date_literal() }}, latest_activity_date) as as_of_date
    from usage_days

)

select * from final
