{#-
    The health score of every customer in scope on every score date, before segment
    stabilisation: sub-scores, the weights in force that day for the customer's plan (versioned
    by `valid_from`; the `default` set for plans without their own), the overall score
    re-normalised over the dimensions present, completeness, raw segment, driver and the points
    each dimension contributes (they add up to the overall score).
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

weight_versions as (

    -- The weights in force on each score date: the latest valid_from on or before it.
    select
        in_scope_dates.score_date,
        health_weights.plan,
        health_weights.dimension,
        health_weights.weight,
        row_number() over (
            partition by in_scope_dates.score_date, health_weights.plan, health_weights.dimension
            order by health_weights.valid_from desc
        ) as version_rank

    from health_weights
    inner join (select distinct score_date from in_scope) as in_scope_dates
        on health_weights.valid_from <= in_scope_dates.score_date

),

weights_in_force as (

    select * from weight_versions where version_rank = 1

),

dimension_scores as (

    {% for dimension in dimensions -%}
        select
            in_scope.customer_id,
            in_scope.score_date,
            in_scope.plan,
            '{{ dimension }}' as dimension,
            {{ dimension }}_scores.{{ dimension }}_score as dimension_score
        from in_scope
        left join {{ dimension }}_scores
            on
                in_scope.customer_id = {{ dimension }}_scores.customer_id
                and in_scope.score_date = {{ dimension }}_scores.score_date
        {% if not loop.last %}
            union all
        {% endif -%}
    {%- endfor %}

),

plans_with_weights as (

    select distinct
        score_date,
        plan

    from weights_in_force

),

weighted as (

    select
        dimension_scores.customer_id,
        dimension_scores.score_date,
        dimension_scores.dimension,
        dimension_scores.dimension_score,
        weights_in_force.plan as weight_set,
        weights_in_force.weight,
        sum(case when dimension_scores.dimension_score is not null then weights_in_force.weight end)
            over (partition by dimension_scores.customer_id, dimension_scores.score_date)
        as weight_present

    from dimension_scores
    left join plans_with_weights
        on
            dimension_scores.plan = plans_with_weights.plan
            and dimension_scores.score_date = plans_with_weights.score_date
    inner join weights_in_force
        on
            coalesce(plans_with_weights.plan, 'default') = weights_in_force.plan
            and dimension_scores.dimension = weights_in_force.dimension
            and dimension_scores.score_date = weights_in_force.score_date

),

contributions as (

    select
        *,
        -- Points this dimension adds to the overall score, and points it costs (gap to 100).
        weight * dimension_score / nullif(weight_present, 0) as points_contributed,
        weight * (100 - dimension_score) / nullif(weight_present, 0) as points_lost,
        row_number() over (
            partition by customer_id, score_date
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
        score_date,
        max(weight_set) as weight_set,
        {{ weighted_mean('dimension_score', 'weight') }} as health_score,
        100.0 * {{ ratio('sum(case when dimension_score is not null then weight else 0 end)', 'sum(weight)') }}
            as data_completeness_pct,
        count(dimension_score) as dimensions_scored,
        max(case when driver_rank = 1 and points_lost > 0 then dimension end) as primary_driver,
        {% for dimension in dimensions -%}
            max(case when dimension = '{{ dimension }}' then dimension_score end) as {{ dimension }}_score,
            max(case when dimension = '{{ dimension }}' then weight end) as {{ dimension }}_weight,
            max(case when dimension = '{{ dimension }}' then points_contributed end) as {{ dimension }}_points
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from contributions
    group by customer_id, score_date

),

threshold_versions as (

    select
        score_dates.score_date,
        segment_thresholds.segment,
        segment_thresholds.min_score,
        segment_thresholds.health_color,
        segment_thresholds.segment_order,
        dense_rank() over (
            partition by score_dates.score_date order by segment_thresholds.valid_from desc
        ) as version_rank

    from segment_thresholds
    inner join (select distinct score_date from in_scope) as score_dates
        on segment_thresholds.valid_from <= score_dates.score_date

),

thresholds_in_force as (

    select
        score_date,
        segment,
        min_score,
        health_color,
        segment_order,
        lead(min_score) over (partition by score_date order by min_score) as next_min_score

    from threshold_versions
    where version_rank = 1

),

banded as (

    select
        combined.customer_id,
        combined.score_date,
        thresholds_in_force.segment,
        thresholds_in_force.min_score,
        thresholds_in_force.next_min_score,
        row_number() over (
            partition by combined.customer_id, combined.score_date
            order by thresholds_in_force.min_score desc
        ) as band_rank

    from combined
    inner join thresholds_in_force
        on
            combined.score_date = thresholds_in_force.score_date
            and combined.health_score >= thresholds_in_force.min_score

),

final as (

    select
        ---------- ids
        combined.customer_id,
        combined.score_date,

        ---------- attributes
        in_scope.customer_name,
        in_scope.plan,
        in_scope.csm_owner,
        in_scope.lifecycle_status,
        combined.weight_set,
        combined.primary_driver,
        case
            when combined.data_completeness_pct < {{ var('min_data_completeness_pct') }}
                or combined.health_score is null
                then 'insufficient_data'
            -- A cancellation already requested is at risk whatever the other signals say.
            when in_scope.lifecycle_status = 'churning' then 'at_risk'
            else banded.segment
        end as score_segment,
        coalesce(
            combined.data_completeness_pct >= {{ var('min_data_completeness_pct') }}
            and combined.health_score is not null,
            false
        ) as is_scored,

        -- The band of score_segment, for segment stabilisation (hysteresis) in the history.
        banded.min_score as band_min_score,
        banded.next_min_score as band_max_score,

        ---------- scores
        combined.health_score,
        {% for dimension in dimensions -%}
            combined.{{ dimension }}_score,
        {% endfor -%}
        combined.data_completeness_pct,
        combined.dimensions_scored,

        ---------- weights and contributions
        {% for dimension in dimensions -%}
            combined.{{ dimension }}_weight,
            combined.{{ dimension }}_points,
        {% endfor -%}

        ---------- numerics
        in_scope.mrr

    from combined
    inner join in_scope
        on
            combined.customer_id = in_scope.customer_id
            and combined.score_date = in_scope.score_date
    left join banded
        on
            combined.customer_id = banded.customer_id
            and combined.score_date = banded.score_date
            and banded.band_rank = 1

)

select * from final
