{#- Shared maths for the sub-scores. Each is pinned by dbt unit tests on the models that use it. -#}

{#- Bounds a value to [low, high]; null stays null. -#}
{% macro clamp(expression, low=0, high=100) -%}
    least(greatest({{ expression }}, {{ low }}), {{ high }})
{%- endmacro %}

{#-
    Maps a metric linearly onto 0-100 between two anchors from a seed: worst_value scores 0 and
    best_value scores 100 (worst may be above best when lower is better), clamped outside them.
-#}
{% macro linear_score(value, worst_value, best_value) -%}
    {{ clamp(
        '100.0 * (' ~ value ~ ' - ' ~ worst_value ~ ') / nullif(' ~ best_value ~ ' - ' ~ worst_value ~ ', 0)'
    ) }}
{%- endmacro %}

{#- Exponential decay: a weight of 1 today, 0.5 after one half-life. -#}
{% macro decay(age_days, half_life_days) -%}
    power(0.5, cast({{ age_days }} as double) / nullif({{ half_life_days }}, 0))
{%- endmacro %}

{#- Safe ratio: null when the divisor is zero or null (Spark's ANSI mode raises on 1/0). -#}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}
