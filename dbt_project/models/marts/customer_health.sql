{#-
    The current health score: one row per customer in scope on the as-of date (active, or
    churning: cancellation requested, term not ended). Customers who churned before the as-of
    date are not scored (they are in int_customers__lifecycle with lifecycle_status = churned).
-#}
{%- set dimensions = ['usage', 'support', 'satisfaction', 'financial', 'relationship', 'engagement'] -%}
with

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

health_weights as (

    select * from {{ ref('health_weights') }}

),

segment_thresholds as (

    select * from {{ ref('segment_thresholds') }}

),

{% for dimension in dimensions -%}
    {{ dimension }}_scores as (

        select * from {{ ref('int_' ~ dimension ~ '__scores') }}

    ),

{% endfor -%}

in_scope as (

    select * from lifecycle
    where lifecycle_status in ('active', 'churning')

),

dimension_scores as (

    {% for dimension in dimensions -%}
        select
            in_scope.customer_id,
            '{{ dimension }}' as dimension,
            {{ dimension }}_scores.{{ dimension }}_score as dimension_score
        from in_scope
        left join {{ dimension }}_scores
            on in_scope.customer_id = {{ dimension }}_scores.customer_id
        {% if not loop.last %}
            union all
        {% endif -%}
    {%- endfor %}

),

plans_with_weights as (

    select distinct plan from health_weights

),

weighted as (

    select
        dimension_scores.customer_id,
        dimension_scores.dimension,
        dimension_scores.dimension_score,
        health_weights.plan as weight_set,
        health_weights.weight

    from dimension_scores
    inner join in_scope
        on dimension_scores.customer_id = in_scope.customer_id
    left join plans_with_weights
        on in_scope.plan = plans_with_weights.plan
    inner join health_weights
        on
            coalesce(plans_with_weights.plan, 'default') = health_weights.plan
            and dimension_scores.dimension = health_weights.dimension

),

driver_candidates as (

    -- Points each present dimension costs the overall score: its share of the weight present
    -- times its gap to 100. The largest is the primary driver.
    select
        customer_id,
        dimension,
        weight * (100 - dimension_score)
        / nullif(sum(case when dimension_score is not null then weight end)
            over (partition by customer_id), 0) as points_lost,
        row_number() over (
            partition by customer_id
            order by
                case when dimension_score is null then 1 else 0 end,
                weight * (100 - dimension_score) desc,
                dimension
        ) as driver_rank

    from weighted

),

combined as (

    select
        customer_id,
        max(weight_set) as weight_set,
        {{ weighted_mean('dimension_score', 'weight') }} as health_score,
        100.0 * {{ ratio('sum(case when dimension_score is not null then weight else 0 end)', 'sum(weight)') }}
            as data_completeness_pct,
        count(dimension_score) as dimensions_scored,
        {% for dimension in dimensions -%}
            max(case when dimension = '{{ dimension }}' then dimension_score end) as {{ dimension }}_score,
            max(case when dimension = '{{ dimension }}' then weight end) as {{ dimension }}_weight
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from weighted
    group by customer_id

),

segmented as (

    select
        combined.customer_id,
        max(segment_thresholds.min_score) as segment_min_score

    from combined
    inner join segment_thresholds
        on combined.health_score >= segment_thresholds.min_score
    group by combined.customer_id

),

scored as (

    select
        combined.*,
        in_scope.customer_name,
        in_scope.plan,
        in_scope.csm_owner,
        in_scope.lifecycle_status,
        in_scope.mrr,
        in_scope.as_of_date,
        case
            when driver_candidates.points_lost > 0 then driver_candidates.dimension
        end as primary_driver,
        case
            when combined.data_completeness_pct < {{ var('min_data_completeness_pct') }}
                or combined.health_score is null
                then 'insufficient_data'
            -- A cancellation already requested is at risk whatever the other signals say.
            when in_scope.lifecycle_status = 'churning' then 'at_risk'
            else segment_thresholds.segment
        end as segment,
        coalesce(
            combined.data_completeness_pct >= {{ var('min_data_completeness_pct') }}
            and combined.health_score is not null,
            false
        ) as is_scored

    from combined
    inner join in_scope
        on combined.customer_id = in_scope.customer_id
    left join driver_candidates
        on
            combined.customer_id = driver_candidates.customer_id
            and driver_candidates.driver_rank = 1
    left join segmented
        on combined.customer_id = segmented.customer_id
    left join segment_thresholds
        on segmented.segment_min_score = segment_thresholds.min_score

),

final as (

    select
        ---------- ids
        cast(scored.customer_id as {{ dbt.type_string() }}) as customer_id,

        ---------- attributes
        cast(scored.customer_name as {{ dbt.type_string() }}) as customer_name,
        cast(scored.plan as {{ dbt.type_string() }}) as plan,
        cast(scored.csm_owner as {{ dbt.type_string() }}) as csm_owner,
        cast(scored.lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(scored.segment as {{ dbt.type_string() }}) as segment,
        cast(case
            when scored.segment = 'insufficient_data' then 'grey'
            when scored.segment = 'at_risk' then 'red'
            else thresholds.health_color
        end as {{ dbt.type_string() }}) as health_color,
        cast(scored.primary_driver as {{ dbt.type_string() }}) as primary_driver,
        cast(scored.weight_set as {{ dbt.type_string() }}) as weight_set,

        ---------- scores
        cast(case
            when scored.segment != 'insufficient_data' then round(scored.health_score, 1)
        end as double) as health_score,
        {% for dimension in dimensions -%}
            cast(round(scored.{{ dimension }}_score, 1) as double) as {{ dimension }}_score,
        {% endfor -%}
        cast(round(scored.data_completeness_pct, 1) as double) as data_completeness_pct,
        cast(scored.dimensions_scored as integer) as dimensions_scored,
        cast(case
            when scored.segment != 'insufficient_data'
                then rank() over (partition by scored.is_scored order by scored.health_score desc)
        end as integer) as health_rank,

        ---------- weights used
        {% for dimension in dimensions -%}
            cast(scored.{{ dimension }}_weight as double) as {{ dimension }}_weight,
        {% endfor %}
        ---------- numerics
        cast(scored.mrr as double) as mrr,

        ---------- dates
        cast(scored.as_of_date as date) as as_of_date

    from scored
    left join segment_thresholds as thresholds
        on scored.segment = thresholds.segment

)

select * from final
