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

{#- Exponential decay: a weight of 1 today, 0.5 after one half-life; no half-life: no decay. -#}
{% macro decay(age_days, half_life_days) -%}
    coalesce(power(0.5, cast({{ age_days }} as double) / nullif({{ half_life_days }}, 0)), 1.0)
{%- endmacro %}

{#- Safe ratio: null when the divisor is zero or null (Spark's ANSI mode raises on 1/0). -#}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}

{#-
    A sum that does not depend on the order its rows are added in (an aggregate): each term is
    rounded to `scale` decimals and summed as a decimal, so DuckDB may use every thread and two
    runs still agree to the last bit. Returned as a double; null when no row has a value.
-#}
{% macro exact_sum(expression, scale=18) -%}
    cast(sum(cast({{ expression }} as decimal(38, {{ scale }}))) as double)
{%- endmacro %}

{#-
    The change of a decayed running sum on one row of a `change_days` group (an aggregate): on
    the opening row, which gathers every change dated before the first day scored, the entering
    minus the leaving values summed with exact_sum (in any order); on a day of the run, its one
    entering and one leaving value, as they are.
-#}
{% macro net_delta(entering, leaving, is_opening_row) -%}
    case
        when {{ is_opening_row }}
            then coalesce({{ exact_sum(entering) }}, 0) - coalesce({{ exact_sum(leaving) }}, 0)
        else coalesce(max({{ entering }}), 0) - coalesce(max({{ leaving }}), 0)
    end
{%- endmacro %}

{#-
    The rows the running sums go over: the days with a change (`changes`, dated `delta_date`,
    one row per `keys` and day) and every day scored (`days_scored`, dated `score_date`), joined
    rather than grouped together, since a customer has a few days with a change against a row
    for each day scored. On a day without a change the `zero_filled` columns are 0 and the
    `carried` ones null. `keys`: the columns both sides share besides the day.
-#}
{% macro days_scored_with_changes(changes, days_scored, keys, zero_filled, carried=[]) -%}
    select
        {% for key in keys -%}
            coalesce({{ changes }}.{{ key }}, {{ days_scored }}.{{ key }}) as {{ key }},
        {% endfor -%}
        coalesce({{ changes }}.delta_date, {{ days_scored }}.score_date) as delta_date,
        {% for column in zero_filled -%}
            coalesce({{ changes }}.{{ column }}, 0) as {{ column }}{% if not loop.last or carried %},{% endif %}
        {% endfor -%}
        {% for column in carried -%}
            {{ changes }}.{{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ changes }}
    full outer join {{ days_scored }}
        on
            {% for key in keys -%}
                {{ changes }}.{{ key }} = {{ days_scored }}.{{ key }}
                and {% endfor %}{{ changes }}.delta_date = {{ days_scored }}.score_date
{%- endmacro %}

{#-
    The same running sums read on every day scored, in two steps that differ by engine: the
    rows the windows go over (`rows_for_running_sums`) and the days scored read from them
    (`running_sums_on_days`). On Spark (default) the windows go over every day scored and the
    days with a change (days_scored_with_changes), and the second step is the windows' rows as
    they are. On DuckDB they go over the days with a change only, and each day scored reads the
    last of them at or before it (an ASOF join): on a day without a change the running sums
    are those of the last change. Fewer rows to sort and sum where changes are sparse
    (int_satisfaction__scores at 100,000 customers x 45 days: 11.3 s against 14.8 s, the same
    rows); where a customer has a change on most days the join costs more than it saves, so
    the usage and engagement models keep days_scored_with_changes. `sums`: the running sums
    (0 before any change), `carried`: the running values that stay null before any change.
-#}
{% macro rows_for_running_sums(changes, days_scored, keys, zero_filled, carried=[]) -%}
    {{ return(adapter.dispatch('rows_for_running_sums', 'customer_health')(changes, days_scored, keys, zero_filled, carried)) }}
{%- endmacro %}

{% macro default__rows_for_running_sums(changes, days_scored, keys, zero_filled, carried) -%}
    {{ days_scored_with_changes(changes, days_scored, keys, zero_filled, carried) }}
{%- endmacro %}

{% macro duckdb__rows_for_running_sums(changes, days_scored, keys, zero_filled, carried) -%}
    select * from {{ changes }}
{%- endmacro %}

{% macro running_sums_on_days(running, days_scored, keys, sums, carried=[]) -%}
    {{ return(adapter.dispatch('running_sums_on_days', 'customer_health')(running, days_scored, keys, sums, carried)) }}
{%- endmacro %}

{% macro default__running_sums_on_days(running, days_scored, keys, sums, carried) -%}
    select * from {{ running }}
{%- endmacro %}

{% macro duckdb__running_sums_on_days(running, days_scored, keys, sums, carried) -%}
    select
        {% for key in keys -%}
            {{ days_scored }}.{{ key }},
        {% endfor -%}
        {{ days_scored }}.score_date as delta_date,
        {% for column in sums -%}
            coalesce({{ running }}.{{ column }}, 0) as {{ column }}{% if not loop.last or carried %},{% endif %}
        {% endfor -%}
        {% for column in carried -%}
            {{ running }}.{{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ days_scored }}
    asof left join {{ running }}
        on
            {% for key in keys -%}
                {{ days_scored }}.{{ key }} = {{ running }}.{{ key }}
                and {% endfor %}{{ days_scored }}.score_date >= {{ running }}.delta_date
{%- endmacro %}

{#- The mean of the values present, summed with exact_sum (an aggregate). -#}
{% macro exact_avg(expression, scale=18) -%}
    {{ exact_sum(expression, scale) }} / nullif(count({{ expression }}), 0)
{%- endmacro %}

{#- Weighted mean over the rows where the value is present; null when none is (an aggregate). -#}
{% macro weighted_mean(value, weight) -%}
    {{ exact_sum('case when ' ~ value ~ ' is not null then ' ~ value ~ ' * ' ~ weight ~ ' end') }}
    / nullif({{ exact_sum('case when ' ~ value ~ ' is not null then ' ~ weight ~ ' end') }}, 0)
{%- endmacro %}

{#-
    The exact_sum of several columns of one row: each term rounded to `scale` decimals and added
    as a decimal, so the sum is the same to the last bit as exact_sum over the same terms as
    rows, in whatever order. Null terms drop out; null when every term is null. Terms are
    decimal(30, scale) and added as a balanced tree, so Spark's decimal precision (38 at most,
    one more digit per addition) never has to drop a decimal.
-#}
{% macro row_exact_sum(expressions, scale=18) -%}
    case
        when {% for expression in expressions %}({{ expression }}) is not null{% if not loop.last %} or {% endif %}{% endfor %}
            then cast({{ balanced_decimal_sum(expressions, scale) }} as double)
    end
{%- endmacro %}

{#- The terms as decimal(30, scale), nulls as 0, added pairwise (a helper of row_exact_sum). -#}
{% macro balanced_decimal_sum(expressions, scale) -%}
    {%- if expressions | length == 1 -%}
        coalesce(cast({{ expressions[0] }} as decimal(30, {{ scale }})), cast(0 as decimal(30, {{ scale }})))
    {%- else -%}
        {%- set half = (expressions | length) // 2 -%}
        ({{ balanced_decimal_sum(expressions[:half], scale) }} + {{ balanced_decimal_sum(expressions[half:], scale) }})
    {%- endif -%}
{%- endmacro %}

{#-
    weighted_mean across columns of one row: `pairs` is a list of [value, weight] expressions;
    the mean of the values present, weighted, with row_exact_sum; null when none is present.
-#}
{% macro row_weighted_mean(pairs) -%}
    {%- set products, weights = [], [] -%}
    {%- for value, weight in pairs -%}
        {%- do products.append('case when ' ~ value ~ ' is not null then ' ~ value ~ ' * ' ~ weight ~ ' end') -%}
        {%- do weights.append('case when ' ~ value ~ ' is not null then ' ~ weight ~ ' end') -%}
    {%- endfor -%}
    {{ row_exact_sum(products) }} / nullif({{ row_exact_sum(weights) }}, 0)
{%- endmacro %}

{#-
    The bands of the `metric_bands` seed as ranges, for a join per metric: each band from its
    lower bound up to the next band's (exclusive; the top band has no upper bound), so a value
    falls in the band with the highest lower bound at or below it. Emits the select of a CTE
    (metric_name, lower_bound, upper_bound, band_score).
-#}
{% macro band_ranges(bands_relation) -%}
    select
        metric_name,
        lower_bound,
        lead(lower_bound) over (partition by metric_name order by lower_bound) as upper_bound,
        band_score

    from {{ bands_relation }}
{%- endmacro %}

{#-
    The three windows midrank_percentile reads, as columns `<prefix>_rows_in_partition`,
    `<prefix>_rows_up_to_ties` (rows at or below the value) and `<prefix>_rank` (from the
    bottom): one partition and one order, so one sort.
-#}
{% macro midrank_windows(value, partition_by, prefix) -%}
    {%- set over = 'over (partition by ' ~ partition_by ~ ' order by ' ~ value -%}
    count(*) {{ over }} rows between unbounded preceding and unbounded following) as {{ prefix }}_rows_in_partition,
    count(*) {{ over }} range between unbounded preceding and current row) as {{ prefix }}_rows_up_to_ties,
    rank() {{ over }}) as {{ prefix }}_rank
{%- endmacro %}

{#-
    Mid-rank percentile, 0-100, of a value within its partition, from the columns of
    midrank_windows (`prefix` includes the relation): the share of the others that it beats, a
    tie counting half. Alone in its partition, or tied with all, it scores 50.
    `higher_is_better` is a SQL boolean expression; when false the order is reversed (the rank
    from the top is the rows above the value's ties, plus one).
-#}
{% macro midrank_percentile(prefix, higher_is_better='true') -%}
    case
        when {{ prefix }}_rows_in_partition <= 1 then 50.0
        else 100.0 * (
            case
                when {{ higher_is_better }} then {{ prefix }}_rank
                else {{ prefix }}_rows_in_partition - {{ prefix }}_rows_up_to_ties + 1
            end
            - 1
            + 0.5 * ({{ prefix }}_rows_up_to_ties - {{ prefix }}_rank)
        ) / ({{ prefix }}_rows_in_partition - 1)
    end
{%- endmacro %}

{#- Seconds from one timestamp to another (Spark and DuckDB disagree on datediff in hours). -#}
{% macro seconds_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('seconds_between', 'customer_health')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__seconds_between(start_at, end_at) -%}
    (unix_timestamp({{ end_at }}) - unix_timestamp({{ start_at }}))
{%- endmacro %}

{% macro duckdb__seconds_between(start_at, end_at) -%}
    (epoch({{ end_at }}) - epoch({{ start_at }}))
{%- endmacro %}

{#- The end of a score date as a timestamp: events at or after it are not yet known that day. -#}
{% macro end_of_day(date_expression) -%}
    cast({{ dbt.dateadd('day', 1, date_expression) }} as timestamp)
{%- endmacro %}

{#-
    A one-row CTE body with the named settings of the `health_settings` seed as columns, to
    cross join: every threshold lives in the seed, not in the SQL.
-#}
{% macro settings_row(names) -%}
    select
        {% for name in names -%}
            max(case when setting = '{{ name }}' then value end) as {{ name }}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('health_settings') }}
{%- endmacro %}

{#- A one-row CTE body with a dimension's windows from the `dimension_settings` seed. -#}
{% macro dimension_settings_row(dimension) -%}
    select
        cast(max(window_days) as integer) as window_days,
        cast(max(freshness_days) as integer) as freshness_days,
        cast(max(half_life_days) as double) as half_life_days
    from {{ ref('dimension_settings') }}
    where dimension = '{{ dimension }}'
{%- endmacro %}

{#-
    Decimals kept of a decayed sum computed as a running sum grown from an anchor day and decayed
    back to the day: the two powers leave the last bits of a double uncertain (0.5 may read
    0.49999999999999994), so such sums are rounded to this many decimals.
-#}
{% macro rescaled_sum_decimals() -%}
    9
{%- endmacro %}

{#-
    Rounds to `decimals` after a first rounding to rescaled_sum_decimals(): a value that is a half
    of the last decimal up to a float error (62.49999999999999 for 62.5) rounds as the half does,
    away from zero, whichever way the error of its sums fell. The half is rounded as a decimal:
    DuckDB rounds the binary value of a double (0.20625 is 0.2062499999... there, so 0.2062) and
    Spark its shortest decimal form (0.2063); a decimal rounds the same on both engines.
    `precision`: the digits of that decimal. 38 holds any amount; 18 holds values under a billion
    (scores, points, percentiles) in 64 bits instead of 128, which DuckDB rounds about three times
    faster (customer_health_daily's 16 roundings: half its time at 100,000 customers).
-#}
{% macro stable_round(expression, decimals, precision=38) -%}
    cast(round(cast(round({{ expression }}, {{ rescaled_sum_decimals() }}) as decimal({{ precision }}, {{ rescaled_sum_decimals() }})), {{ decimals }}) as double)
{%- endmacro %}
