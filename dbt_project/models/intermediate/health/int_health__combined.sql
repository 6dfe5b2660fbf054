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
      100); each dimension's points add up to the computed score. Its sentence is looked up
      apart (`int_health__driver_details`).
    Wide: one row per customer and day throughout, each dimension a column (six joins of the
    sub-scores alone), with the weights in force pivoted to one row per weight set and day and
    the overrides to one row per customer and day. The dimensions' sentences stay in their
    tables. Sums over the dimensions are exact (row_exact_sum): the same to the last bit as an
    exact_sum over rows, in whatever order.
-#}
{%- set dimensions = var('dimensions') -%}
{#- The driver's ties go to the first dimension by name, as an `order by dimension` would. -#}
{%- set dimensions_by_name = dimensions | sort -%}
{%- set weights_present, weighted_scores, completeness_weights, all_weights = [], [], [], [] -%}
{%- for dimension in dimensions -%}
    {%- do weights_present.append(
        'case when ' ~ dimension ~ '_score is not null then ' ~ dimension ~ '_weight end'
    ) -%}
    {%- do weighted_scores.append(
        'case when ' ~ dimension ~ '_score is not null then ' ~ dimension ~ '_score * ' ~ dimension ~ '_weight end'
    ) -%}
    {%- do completeness_weights.append(
        'case when ' ~ dimension ~ '_score is not null then ' ~ dimension ~ '_weight'
        ~ ' when has_' ~ dimension ~ '_weight then 0 end'
    ) -%}
    {%- do all_weights.append(dimension ~ '_weight') -%}
{%- endfor -%}
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

-- One row per weight set and day; a dimension without a row in the set is not weighted at all.
weight_sets as (

    select
        score_date,
        weight_set,
        {% for dimension in dimensions -%}
            bool_or(dimension = '{{ dimension }}') as has_{{ dimension }}_weight,
            max(case when dimension = '{{ dimension }}' then weight end) as {{ dimension }}_weight
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from weights_in_force
    where dimension in ('{{ dimensions | join("', '") }}')
    group by score_date, weight_set

),

override_summary as (

    select
        customer_id,
        score_date,
        max(case when dimension = 'overall' then override_score end) as overall_override_score,
        {% for dimension in dimensions -%}
            max(case when dimension = '{{ dimension }}' then override_score end) as {{ dimension }}_override_score,
        {% endfor -%}
        -- In order of dimension: each text starts with its dimension's name.
        {{ sorted_listagg(
            "dimension || ' = ' || " ~ whole_text('override_score') ~ " || ' until ' || "
            ~ "coalesce(" ~ as_text('valid_until') ~ ", 'further notice') || ' by ' || coalesce(set_by, '?')"
            ~ " || ': ' || coalesce(reason, '')",
            "'; '"
        ) }} as override_detail

    from overrides_in_force
    group by customer_id, score_date

),

dimension_columns as (

    select
        in_scope.customer_id,
        in_scope.score_date,
        weights.weight_set,
        {% for dimension in dimensions -%}
            case
                when weights.has_{{ dimension }}_weight
                    then coalesce(
                            override_summary.{{ dimension }}_override_score,
                            {{ dimension }}_scores.{{ dimension }}_score
                        )
            end as {{ dimension }}_score,
            weights.has_{{ dimension }}_weight,
            weights.{{ dimension }}_weight,
        {% endfor -%}
        relationship_scores.expansion_status,
        support_scores.is_support_silence,
        override_summary.overall_override_score,
        override_summary.override_detail

    from in_scope
    -- The plan's own weight set when it has one that day, else `default`.
    left join weight_sets as own_weights
        on
            in_scope.weight_plan = own_weights.weight_set
            and in_scope.score_date = own_weights.score_date
    inner join weight_sets as weights
        on
            coalesce(own_weights.weight_set, 'default') = weights.weight_set
            and in_scope.score_date = weights.score_date
    left join override_summary
        on
            in_scope.customer_id = override_summary.customer_id
            and in_scope.score_date = override_summary.score_date
    {% for dimension in dimensions -%}
        left join {{ dimension }}_scores
            on
                in_scope.customer_id = {{ dimension }}_scores.customer_id
                and in_scope.score_date = {{ dimension }}_scores.score_date
    {% endfor %}

),

weighted as (

    select
        *,
        {{ row_exact_sum(weights_present) }} as weight_present,
        {% for dimension in dimensions -%}
            -- The points this dimension costs, before dividing by the weight present: the
            -- driver's order.
            {{ dimension }}_weight * (100 - {{ dimension }}_score) as {{ dimension }}_weighted_gap
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from dimension_columns

),

combined as (

    select
        *,
        -- Null, not clamped to 0, when no dimension that carries weight has data.
        case
            when weight_present > 0
                then {{ clamp(row_exact_sum(weighted_scores) ~ ' / nullif(weight_present, 0)') }}
        end as computed_health_score,
        100.0 * {{ ratio(row_exact_sum(completeness_weights), row_exact_sum(all_weights)) }}
            as data_completeness_pct,
        cast(
            {% for dimension in dimensions -%}
                case when {{ dimension }}_score is not null then 1 else 0 end
                {%- if not loop.last %} +{% endif %}
            {% endfor %}
            as bigint
        ) as dimensions_scored,
        -- The largest gap (greatest skips nulls: a dimension without a score or a weight is last).
        greatest(
            {% for dimension in dimensions -%}
                {{ dimension }}_weighted_gap{% if not loop.last %},{% endif %}
            {% endfor %}
        ) as largest_weighted_gap,
        {% for dimension in dimensions -%}
            -- Points this dimension adds to the overall score.
            {{ dimension }}_weight * {{ dimension }}_score / nullif(weight_present, 0) as {{ dimension }}_points
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from weighted

),

drivers as (

    select
        *,
        -- The dimension costing the most points (ties to the first by name).
        case
            {% for dimension in dimensions_by_name -%}
                when {{ dimension }}_weighted_gap = largest_weighted_gap then '{{ dimension }}'
            {% endfor %}
        end as costliest_dimension

    from combined

),

scored as (

    select
        drivers.*,
        -- The primary driver only when it costs points.
        case
            when drivers.largest_weighted_gap / nullif(drivers.weight_present, 0) > 0
                then drivers.costliest_dimension
        end as primary_driver,
        coalesce(drivers.overall_override_score, drivers.computed_health_score) as health_score,
        -- Grey only when nothing that carries weight has data (or under the optional floor).
        coalesce(
            drivers.overall_override_score is not null
            or (
                drivers.data_completeness_pct > 0
                and drivers.data_completeness_pct >= settings.min_data_completeness_pct
                and drivers.computed_health_score is not null
            ),
            false
        ) as is_scored,
        settings.score_confidence_high_min_pct,
        settings.score_confidence_medium_min_pct

    from drivers
    cross join settings

),

final as (

    select
        ---------- ids
        customer_id,
        score_date,

        ---------- attributes
        weight_set,
        primary_driver,
        is_scored,
        -- Rounded first: weights summing to 0.5 in floating point must not fall under 50%.
        case
            when not is_scored then null
            when round(data_completeness_pct, 6) >= score_confidence_high_min_pct then 'high'
            when round(data_completeness_pct, 6) >= score_confidence_medium_min_pct then 'medium'
            else 'low'
        end as score_confidence,
        override_detail is not null as has_override,
        override_detail,

        ---------- scores
        health_score,
        computed_health_score,
        {% for dimension in dimensions -%}
            {{ dimension }}_score,
        {% endfor -%}
        data_completeness_pct,
        dimensions_scored,

        ---------- weights and contributions
        {% for dimension in dimensions -%}
            {{ dimension }}_weight,
            {{ dimension }}_points,
        {% endfor -%}

        ---------- explanation
        expansion_status,
        coalesce(is_support_silence, false) as is_support_silence

    from scored

)

select * from final
