{#-
    What a run must not pass over in silence, though it does not stop it: one row per finding and
    subject.
    - unknown_customer: rows of a source whose customer is not in the CRM export (they load, are
      kept out of scoring, and are counted here);
    - unlisted_feature: usage of a feature missing from its plan's list (`plan_features` seed),
      which counts for nothing in breadth and depth;
    - plan_without_feature_list: customers of a plan with no list, whose breadth is measured
      against the features that customers of the plan use;
    - plan_without_weights: customers of a plan with no weight set (`health_weights` seed),
      scored with the `default` set.
    No rows: nothing to report. An asset check warns on any row and the run summary prints them.
-#}
with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

responses as (

    select * from {{ ref('stg_surveys__responses') }}

),

touchpoints as (

    select * from {{ ref('stg_marketing__touchpoints') }}

),

daily_facts as (

    select * from {{ ref('int_usage__daily_facts') }}

),

plan_features_seed as (

    select * from {{ ref('plan_features') }}

),

health_weights_seed as (

    select * from {{ ref('health_weights') }}

),

customer_rows as (

    select
        'subscriptions' as source_name,
        customer_id,
        count(*) as row_count
    from subscriptions
    group by customer_id

    union all

    select
        'invoices' as source_name,
        customer_id,
        count(*) as row_count
    from invoices
    group by customer_id

    union all

    select
        'support_tickets' as source_name,
        customer_id,
        count(*) as row_count
    from tickets
    group by customer_id

    union all

    select
        'surveys' as source_name,
        customer_id,
        count(*) as row_count
    from responses
    group by customer_id

    union all

    select
        'engagement' as source_name,
        customer_id,
        count(*) as row_count
    from touchpoints
    group by customer_id

    union all

    select
        'product_usage' as source_name,
        customer_id,
        sum(event_count) as row_count
    from daily_facts
    group by customer_id

),

unknown_customers as (

    select
        'unknown_customer' as finding,
        customer_rows.source_name as subject,
        sum(customer_rows.row_count) as row_count,
        count(*) as customers,
        min(customer_rows.customer_id) as example

    from customer_rows
    left join customers
        on customer_rows.customer_id = customers.customer_id
    where customers.customer_id is null
    group by customer_rows.source_name

),

customer_plans as (

    -- The plans a customer is scored under: the CRM's and its contracts'.
    select
        customer_id,
        plan
    from customers
    union
    select
        customer_id,
        plan
    from subscriptions
    where plan is not null

),

listed_plans as (

    select distinct plan from plan_features_seed

),

weighted_plans as (

    select distinct plan from health_weights_seed

),

customer_features as (

    select
        customer_id,
        feature,
        sum(event_count) as event_count

    from daily_facts
    group by customer_id, feature

),

unlisted_features as (

    select
        'unlisted_feature' as finding,
        customer_features.feature as subject,
        sum(customer_features.event_count) as row_count,
        count(distinct customer_features.customer_id) as customers,
        min(customers.plan) as example

    from customer_features
    inner join customers
        on customer_features.customer_id = customers.customer_id
    inner join listed_plans
        on customers.plan = listed_plans.plan
    left join plan_features_seed
        on
            customers.plan = plan_features_seed.plan
            and customer_features.feature = plan_features_seed.feature
    where plan_features_seed.feature is null
    group by customer_features.feature

),

plans_without_feature_list as (

    select
        'plan_without_feature_list' as finding,
        customer_plans.plan as subject,
        count(distinct customer_plans.customer_id) as row_count,
        count(distinct customer_plans.customer_id) as customers,
        min(customer_plans.customer_id) as example

    from customer_plans
    left join listed_plans
        on customer_plans.plan = listed_plans.plan
    where listed_plans.plan is null
    group by customer_plans.plan

),

plans_without_weights as (

    select
        'plan_without_weights' as finding,
        customer_plans.plan as subject,
        count(distinct customer_plans.customer_id) as row_count,
        count(distinct customer_plans.customer_id) as customers,
        min(customer_plans.customer_id) as example

    from customer_plans
    left join weighted_plans
        on customer_plans.plan = weighted_plans.plan
    where weighted_plans.plan is null
    group by customer_plans.plan

),

findings as (

    select * from unknown_customers
    union all
    select * from unlisted_features
    union all
    select * from plans_without_feature_list
    union all
    select * from plans_without_weights

),

final as (

    select
        cast(finding as {{ dbt.type_string() }}) as finding,
        cast(subject as {{ dbt.type_string() }}) as subject,
        cast(row_count as bigint) as row_count,
        cast(customers as bigint) as customers,
        cast(example as {{ dbt.type_string() }}) as example,
        case finding
            when 'unknown_customer'
                then 'rows of ' || subject || ' whose customer is not in customers: kept out of scoring'
            when 'unlisted_feature'
                then 'usage of feature ' || subject || ' not in its plan''s list (plan_features seed): '
                    || 'it counts for nothing in breadth and depth'
            when 'plan_without_feature_list'
                then 'plan ' || subject || ' has no feature list (plan_features seed): breadth is '
                    || 'measured against the features its customers use'
            when 'plan_without_weights'
                then 'plan ' || subject || ' has no weight set (health_weights seed): scored with '
                    || 'the default set'
        end as description

    from findings

)

select * from final
