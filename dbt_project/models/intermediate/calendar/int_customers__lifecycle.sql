{#-
    Each customer's standing on the as-of date. A subscription covers a day from its start
    (inclusive) to its end (exclusive); a customer covered on the as-of date is in scope:
    `active`, or `churning` when the covering subscription has a cancellation requested.
    A customer no longer covered whose last subscription ended before the as-of date has
    `churned` and is not scored; one whose first subscription starts later is `not_started`.
-#}
with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

known_subscriptions as (

    select subscriptions.*
    from subscriptions
    cross join as_of
    where subscriptions.started_date <= as_of.as_of_date

),

covering as (

    select
        known_subscriptions.customer_id,
        known_subscriptions.subscription_id,
        known_subscriptions.plan,
        known_subscriptions.mrr,
        known_subscriptions.ends_date,
        known_subscriptions.cancelled_date,
        row_number() over (
            partition by known_subscriptions.customer_id
            order by known_subscriptions.started_date desc, known_subscriptions.subscription_id desc
        ) as recency_rank

    from known_subscriptions
    cross join as_of
    where
        known_subscriptions.ends_date is null
        or known_subscriptions.ends_date > as_of.as_of_date

),

current_subscription as (

    select * from covering
    where recency_rank = 1

),

history as (

    select
        customer_id,
        min(started_date) as first_started_date,
        max(coalesce(ends_date, cast('9999-12-31' as date))) as last_ends_date,
        count(*) as subscriptions_started

    from known_subscriptions
    group by customer_id

),

final as (

    select
        ---------- ids
        customers.customer_id,
        current_subscription.subscription_id as current_subscription_id,

        ---------- attributes
        customers.customer_name,
        coalesce(current_subscription.plan, customers.plan) as plan,
        customers.csm_owner,
        case
            when current_subscription.customer_id is not null
                and current_subscription.cancelled_date <= as_of.as_of_date
                then 'churning'
            when current_subscription.customer_id is not null then 'active'
            when history.customer_id is not null then 'churned'
            else 'not_started'
        end as lifecycle_status,

        ---------- numerics
        customers.seats_purchased,
        coalesce(current_subscription.mrr, 0) as mrr,

        ---------- dates
        as_of.as_of_date,
        customers.created_date,
        history.first_started_date,
        current_subscription.ends_date as current_term_ends_date,
        case
            when current_subscription.customer_id is null then history.last_ends_date
        end as churned_date

    from customers
    cross join as_of
    left join current_subscription
        on customers.customer_id = current_subscription.customer_id
    left join history
        on customers.customer_id = history.customer_id

)

select * from final
