{#-
    The overall score of every customer in scope (active or churning) on every score date, from
    the six sub-scores:
    - Weights: the weight set in force that day (`int_health__weights_in_force`) of the
      customer's plan, `default` for plans without their own, `onboarding` for onboarding
      customers.
    - Overrides in force (`int_health__overrides_in_force`) replace a dimension's sub-score, or
      the overall score.
    - Missing is not zero: a dimension without (fresh) data is null and the weights re-normalise
      over those present. A customer is not scored (grey) only when no dimension that carries
      weight has data (or under the optional `min_data_completeness_pct` floor);
      `score_confidence` says how much of the weight the score rests on.
    - The primary driver: the dimension costing the most points (weight share times the gap to
      100), with its sentence; each dimension's points add up to the computed score.
-#}
{%- set dimensions = var('dimensions') -%}
with

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

weights_in_force as (

    select * from {{ ref('int_health__weights_in_force') }}

),

overrides_in_force as (

    select * from {{ ref('int_health__overrides_in_force') }}

),

settings as (

    {{ settings_row([
        'min_data_completeness_pct',
        'score_confidence_high_min_pct',
        'score_confidence_medium_min_pct',
    ]) }}

),

{% for dimension in dimensions -%}
    {{ dimension }}_scores as (

        select * from {{ ref('int_' ~ dimension ~ '__scores') }}

    ),

{% endfor -%}

in_scope as (

    select
        customer_id,
        score_date,
        case when is_onboarding then 'onboarding' else plan end as weight_plan

    from lifecycle
    where lifecycle_status in ('active', 'churning')

),

plans_with_weights as (

    select distinct
        score_date,
        weight_set

    from weights_in_force

),

override_summary as (

    select
        customer_id,
        score_date,
        max(case when dimension = 'overall' then override_score end) as overall_override_score,
        {{ dbt.listagg(
            "dimension || ' = ' || " ~ whole_text('override_score') ~ " || ' until ' || "
            ~ "coalesce(" ~ as_text('valid_until') ~ ", 'further notice') || ' by ' || coalesce(set_by, '?')"
            ~ " || ': ' || coalesce(reason, '')",
            "'; '",
            "order by dimension"
        ) }} as override_detail

    from overrides_in_force
    group by customer_id, score_date

),

dimension_scores as (

    {% for dimension in dimensions -%}
        select
            in_scope.customer_id,
            in_scope.score_date,
            in_scope.weight_plan,
            '{{ dimension }}' as dimension,
            coalesce(overrides_in_force.override_score, {{ dimension }}_scores.{{ dimension }}_score)
                as dimension_score,
            {{ dimension }}_scores.{{ dimension }}_detail as dimension_detail
        from in_scope
        left join {{ dimension }}_scores
            on
                in_scope.customer_id = {{ dimension }}_scores.customer_id
                and in_scope.score_date = {{ dimension }}_scores.score_date
        left join overrides_in_force
            on
                in_scope.customer_id = overrides_in_force.customer_id
                and in_scope.score_date = overrides_in_force.score_date
                and overrides_in_force.dimension = '{{ dimension }}'
        {% if not loop.last %}
            union all
        {% endif -%}
    {%- endfor %}

),

weighted as (

    select
        dimension_scores.customer_id,
        dimension_scores.score_date,
        dimension_scores.dimension,
        dimension_scores.dimension_score,
        dimension_scores.dimension_detail,
        weights_in_force.weight_set,
        weights_in_force.weight,
        -- A decimal sum: the same to the last bit in whatever order the rows come (exact_sum).
        cast(sum(
            cast(
                case when dimension_scores.dimension_score is not null then weights_in_force.weight end
                as decimal(38, 18)
            )
        ) over (partition by dimension_scores.customer_id, dimension_scores.score_date) as double)
            as weight_present

    from dimension_scores
    left join plans_with_weights
        on
            dimension_scores.weight_plan = plans_with_weights.weight_set
            and dimension_scores.score_date = plans_with_weights.score_date
    inner join weights_in_force
        on
            coalesce(plans_with_weights.weight_set, 'default') = weights_in_force.weight_set
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
        -- Null, not clamped to 0, when no dimension that carries weight has data.
        case
            when sum(case when dimension_score is not null then weight end) > 0
                then {{ clamp(weighted_mean('dimension_score', 'weight')) }}
        end as computed_health_score,
        100.0 * {{ ratio(
            exact_sum('case when dimension_score is not null then weight else 0 end'), exact_sum('weight')
        ) }}
            as data_completeness_pct,
        count(dimension_score) as dimensions_scored,
        max(case when driver_rank = 1 and points_lost > 0 then dimension end) as primary_driver,
        max(case when driver_rank = 1 and points_lost > 0 then dimension_detail end) as driver_detail,
        {% for dimension in dimensions -%}
            max(case when dimension = '{{ dimension }}' then dimension_score end) as {{ dimension }}_score,
            max(case when dimension = '{{ dimension }}' then weight end) as {{ dimension }}_weight,
            max(case when dimension = '{{ dimension }}' then points_contributed end) as {{ dimension }}_points
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from contributions
    group by customer_id, score_date

),

scored as (

    select
        combined.*,
        override_summary.overall_override_score,
        override_summary.override_detail,
        coalesce(override_summary.overall_override_score, combined.computed_health_score) as health_score,
        -- Grey only when nothing that carries weight has data (or under the optional floor).
        coalesce(
            override_summary.overall_override_score is not null
            or (
                combined.data_completeness_pct > 0
                and combined.data_completeness_pct >= settings.min_data_completeness_pct
                and combined.computed_health_score is not null
            ),
            false
        ) as is_scored,
        settings.score_confidence_high_min_pct,
        settings.score_confidence_medium_min_pct

    from combined
    cross join settings
    left join override_summary
        on
            combined.customer_id = override_summary.customer_id
            and combined.score_date = override_summary.score_date

),

final as (

    select
        ---------- ids
        scored.customer_id,
        scored.score_date,

        ---------- attributes
        scored.weight_set,
        scored.primary_driver,
        scored.driver_detail,
        scored.is_scored,
        -- Rounded first: weights summing to 0.5 in floating point must not fall under 50%.
        case
            when not scored.is_scored then null
            when round(scored.data_completeness_pct, 6) >= scored.score_confidence_high_min_pct then 'high'
            when round(scored.data_completeness_pct, 6) >= scored.score_confidence_medium_min_pct then 'medium'
            else 'low'
        end as score_confidence,
        scored.override_detail is not null as has_override,
        scored.override_detail,

        ---------- scores
        scored.health_score,
        scored.computed_health_score,
        {% for dimension in dimensions -%}
            scored.{{ dimension }}_score,
        {% endfor -%}
        scored.data_completeness_pct,
        scored.dimensions_scored,

        ---------- weights and contributions
        {% for dimension in dimensions -%}
            scored.{{ dimension }}_weight,
            scored.{{ dimension }}_points,
        {% endfor -%}

        ---------- explanation per dimension
        {% for dimension in dimensions -%}
            {{ dimension }}_scores.{{ dimension }}_detail,
        {% endfor -%}
        relationship_scores.expansion_status,
        coalesce(support_scores.is_support_silence, false) as is_support_silence

    from scored
    {% for dimension in dimensions -%}
        left join {{ dimension }}_scores
            on
                scored.customer_id = {{ dimension }}_scores.customer_id
                and scored.score_date = {{ dimension }}_scores.score_date
    {% endfor %}

)

select * from final
