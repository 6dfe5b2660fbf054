{#-
    Satisfaction per customer and score date from survey answers in the satisfaction window
    ending on the day (`dimension_settings` seed). Every answer is put on 0-100 by the
    `survey_kinds` seed and weighted by recency (halved every `half_life_days`):
      - latest_nps, scored by band (`metric_bands` seed); its category (promoter, passive,
        detractor) by `nps_promoter_min_score` and `nps_detractor_max_score` alone;
      - csat_pct, the recency-weighted CSAT;
      - micro_rating_pct, thumbs / emoji / rating: recency-weighted per touchpoint, then the
        mean over touchpoints, so one busy touchpoint does not drown the others;
      - csm_pulse_pct, the CSM's own pulse (optional: absent, it drops out).
    Each metric's weight in the dimension is also multiplied by the recency of its latest answer,
    so an old NPS counts less than a fresh CSAT. A detractor answer (`nps_detractor_max_score`)
    as the latest NPS within `detractor_recent_days` caps the sub-score at `detractor_cap_score`.
    No answer in the window: no row.
    One pass whatever the number of days scored, as int_engagement__scores: a recency-weighted
    mean is a ratio of two decayed sums, and the decay to the day cancels out of it, so both sums
    are running sums over each customer's days of answers grown from the first day scored
    (2^(days after it / half-life)); answers enter the window on their day and leave it when
    older than the window. The means are rounded to rescaled_sum_decimals(). The latest NPS is
    the latest answer day's last answer, found by a running max of the day. A run reads its
    days' windows only; what changed before its first day is summed (exactly) into one opening
    row, so the running sums go over the run's days, not over the window read before them.
    On DuckDB they go over the days with a change only, and each day scored reads the last one at
    or before it (`rows_for_running_sums` and `running_sums_on_days` in macros/scoring.sql).
-#}
{%- set metrics = dimension_metrics()['satisfaction'] -%}
{%- set window_end = dbt.dateadd('day', 'satisfaction_settings.window_days', 'answer_days.responded_date') -%}
with

responses as (

    select * from {{ ref('stg_surveys__responses') }}

),

survey_kinds as (

    select * from {{ ref('survey_kinds') }}

),

lifecycle as (

    select * from {{ ref('int_customers__lifecycle') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

satisfaction_settings as (

    {{ dimension_settings_row('satisfaction') }}

),

settings as (

    {{ settings_row([
        'detractor_recent_days', 'detractor_cap_score', 'nps_promoter_min_score', 'nps_detractor_max_score'
    ]) }}

),

bounds as (

    -- The decayed sums are kept relative to the first day scored (their anchor).
    select
        min(score_date) as first_score_date,
        cast({{ dbt.dateadd('day', '-1', 'min(score_date)') }} as date) as opening_date,
        max(score_date) as last_score_date

    from score_dates

),

recent_responses as (

    -- A run reads the answers of its days' windows only.
    select
        responses.customer_id,
        responses.response_id,
        responses.survey_kind,
        coalesce(responses.touchpoint, '(none)') as touchpoint,
        responses.score,
        responses.responded_at,
        responses.responded_date,
        100.0 * {{ ratio(
            'responses.score - survey_kinds.min_score', 'survey_kinds.max_score - survey_kinds.min_score'
        ) }} as score_pct,
        responses.survey_kind in ('thumbs', 'emoji', 'rating') as is_micro

    from responses
    cross join bounds
    cross join satisfaction_settings
    inner join survey_kinds
        on responses.survey_kind = survey_kinds.survey_kind
    where
        responses.responded_date <= bounds.last_score_date
        and responses.responded_date
        > {{ dbt.dateadd('day', '-satisfaction_settings.window_days', 'bounds.first_score_date') }}

),

answer_days as (

    -- One row per customer and day of answers: counts, exact sums of the answers (grown from the
    -- anchor: a day's answers decay together) and the day, per kind.
    select
        recent_responses.customer_id,
        recent_responses.responded_date,
        count(*) as responses,
        {% for kind in ['csat', 'csm_pulse'] -%}
            count(case when recent_responses.survey_kind = '{{ kind }}' then recent_responses.score_pct end)
                as {{ kind }}_answers,
            {{ exact_sum(
                "case when recent_responses.survey_kind = '" ~ kind ~ "' then recent_responses.score_pct end"
            ) }}
            * {{ decay(
                dbt.datediff('recent_responses.responded_date', 'bounds.first_score_date', 'day'),
                'max(satisfaction_settings.half_life_days)'
            ) }} as {{ kind }}_grown_sum,
            count(case when recent_responses.survey_kind = '{{ kind }}' then recent_responses.score_pct end)
            * {{ decay(
                dbt.datediff('recent_responses.responded_date', 'bounds.first_score_date', 'day'),
                'max(satisfaction_settings.half_life_days)'
            ) }} as {{ kind }}_grown_weight,
            max(case when recent_responses.survey_kind = '{{ kind }}' then recent_responses.responded_date end)
                as {{ kind }}_date,
        {% endfor -%}
        max(case when recent_responses.is_micro then recent_responses.responded_date end) as micro_date,
        max(case when recent_responses.survey_kind = 'nps' then recent_responses.responded_date end) as nps_date

    from recent_responses
    cross join bounds
    cross join satisfaction_settings
    group by recent_responses.customer_id, recent_responses.responded_date, bounds.first_score_date

),

nps_days as (

    -- The last NPS answer of each day (by time, then id): the latest NPS when it is the day's.
    select
        customer_id,
        responded_date,
        score,
        row_number() over (
            partition by customer_id, responded_date order by responded_at desc, response_id desc
        ) as recency_rank

    from recent_responses
    where survey_kind = 'nps'

),

deltas as (

    -- A day's answers enter the window on the day and leave it when older than the window.
    -- Entering and leaving sums are kept apart so that no day adds more than one of each in an
    -- order that could vary.
    select
        customer_id,
        responded_date as delta_date,
        responses as responses_delta,
        {% for kind in ['csat', 'csm_pulse'] -%}
            {{ kind }}_answers as {{ kind }}_answers_delta,
            {{ kind }}_grown_sum as {{ kind }}_entering_sum,
            {{ kind }}_grown_weight as {{ kind }}_entering_weight,
            cast(null as double) as {{ kind }}_leaving_sum,
            cast(null as double) as {{ kind }}_leaving_weight,
            {{ kind }}_date,
        {% endfor -%}
        micro_date,
        nps_date

    from answer_days

    union all

    select
        answer_days.customer_id,
        cast({{ window_end }} as date) as delta_date,
        -answer_days.responses as responses_delta,
        {% for kind in ['csat', 'csm_pulse'] -%}
            -answer_days.{{ kind }}_answers as {{ kind }}_answers_delta,
            cast(null as double) as {{ kind }}_entering_sum,
            cast(null as double) as {{ kind }}_entering_weight,
            answer_days.{{ kind }}_grown_sum as {{ kind }}_leaving_sum,
            answer_days.{{ kind }}_grown_weight as {{ kind }}_leaving_weight,
            cast(null as date) as {{ kind }}_date,
        {% endfor -%}
        cast(null as date) as micro_date,
        cast(null as date) as nps_date

    from answer_days
    cross join satisfaction_settings

),

change_days as (

    -- The changes dated before the first day scored only add up to its opening totals: they
    -- are summed into one row on the day before it (the sums exactly, as decimals, so in any
    -- order), and the running sums go over the days of the run, not over the window of answers
    -- read before it. Only the days with a change: the days scored join them below.
    select
        deltas.customer_id,
        greatest(deltas.delta_date, bounds.opening_date) as delta_date,
        sum(deltas.responses_delta) as responses_delta,
        {% for kind in ['csat', 'csm_pulse'] -%}
            sum(deltas.{{ kind }}_answers_delta) as {{ kind }}_answers_delta,
            {% for part in ['sum', 'weight'] -%}
                {{ net_delta(
                    'deltas.' ~ kind ~ '_entering_' ~ part,
                    'deltas.' ~ kind ~ '_leaving_' ~ part,
                    'greatest(deltas.delta_date, bounds.opening_date) = bounds.opening_date',
                ) }} as {{ kind }}_{{ part }}_delta,
            {% endfor -%}
            max(deltas.{{ kind }}_date) as {{ kind }}_date,
        {% endfor -%}
        max(deltas.micro_date) as micro_date,
        max(deltas.nps_date) as nps_date

    from deltas
    cross join bounds
    where deltas.delta_date <= bounds.last_score_date
    group by deltas.customer_id, greatest(deltas.delta_date, bounds.opening_date), bounds.opening_date

),

score_days as (

    select
        lifecycle.customer_id,
        lifecycle.score_date

    from lifecycle
    inner join score_dates
        on lifecycle.score_date = score_dates.score_date

),

daily_deltas as (

    -- Every day scored has a row to read the running sums on, with or without a change.
    {%- set zero_filled = ['responses_delta'] -%}
    {%- for kind in ['csat', 'csm_pulse'] -%}
        {%- do zero_filled.extend([kind ~ '_answers_delta', kind ~ '_sum_delta', kind ~ '_weight_delta']) -%}
    {%- endfor %}
    {{ rows_for_running_sums(
        'change_days', 'score_days', ['customer_id'], zero_filled,
        carried=['csat_date', 'csm_pulse_date', 'micro_date', 'nps_date'],
    ) }}

),

rolling_changes as (

    -- Summed in date order (a total order), so the doubles add up the same way on every run.
    select
        customer_id,
        delta_date,
        sum(responses_delta) over (
            partition by customer_id order by delta_date rows between unbounded preceding and current row
        ) as responses,
        {% for kind in ['csat', 'csm_pulse'] -%}
            sum({{ kind }}_answers_delta) over (
                partition by customer_id order by delta_date rows between unbounded preceding and current row
            ) as {{ kind }}_answers,
            sum({{ kind }}_sum_delta) over (
                partition by customer_id order by delta_date rows between unbounded preceding and current row
            ) as {{ kind }}_grown_sum,
            sum({{ kind }}_weight_delta) over (
                partition by customer_id order by delta_date rows between unbounded preceding and current row
            ) as {{ kind }}_grown_weight,
            max({{ kind }}_date) over (
                partition by customer_id order by delta_date rows between unbounded preceding and current row
            ) as last_{{ kind }}_date,
        {% endfor -%}
        max(micro_date) over (
            partition by customer_id order by delta_date rows between unbounded preceding and current row
        ) as last_micro_date,
        max(nps_date) over (
            partition by customer_id order by delta_date rows between unbounded preceding and current row
        ) as last_nps_date

    from daily_deltas

),

rolling as (

    -- The running sums on every day scored (rows_for_running_sums says why in two steps).
    {%- set sums = ['responses'] -%}
    {%- for kind in ['csat', 'csm_pulse'] -%}
        {%- do sums.extend([kind ~ '_answers', kind ~ '_grown_sum', kind ~ '_grown_weight']) -%}
    {%- endfor %}
    {{ running_sums_on_days(
        'rolling_changes', 'score_days', ['customer_id'], sums,
        carried=['last_csat_date', 'last_csm_pulse_date', 'last_micro_date', 'last_nps_date'],
    ) }}

),

in_window as (

    -- The days scored with an answer in the window, and where that window starts.
    select
        rolling.*,
        {{ dbt.dateadd('day', '-satisfaction_settings.window_days', 'rolling.delta_date') }} as window_start,
        {{ dbt.datediff('rolling.last_csat_date', 'rolling.delta_date', 'day') }}
            as csat_age_days,
        {{ dbt.datediff('rolling.last_csm_pulse_date', 'rolling.delta_date', 'day') }}
            as csm_pulse_age_days,
        {{ dbt.datediff('rolling.last_micro_date', 'rolling.delta_date', 'day') }}
            as micro_age_days,
        satisfaction_settings.half_life_days

    from rolling
    cross join satisfaction_settings
    inner join score_dates
        on rolling.delta_date = score_dates.score_date
    where rolling.responses > 0

),

per_customer as (

    -- A kind's latest answer counts only inside the window.
    select
        customer_id,
        delta_date as score_date,
        responses,
        case
            when csat_answers > 0
                then round({{ ratio('csat_grown_sum', 'csat_grown_weight') }}, {{ rescaled_sum_decimals() }})
        end as csat_pct,
        case
            when last_csat_date > window_start then {{ decay('csat_age_days', 'half_life_days') }}
        end as csat_recency,
        case
            when csm_pulse_answers > 0
                then round({{ ratio('csm_pulse_grown_sum', 'csm_pulse_grown_weight') }}, {{ rescaled_sum_decimals() }})
        end as csm_pulse_pct,
        case
            when last_csm_pulse_date > window_start then {{ decay('csm_pulse_age_days', 'half_life_days') }}
        end as csm_pulse_recency,
        case
            when last_micro_date > window_start
                then {{ decay('micro_age_days', 'half_life_days') }}
        end as micro_rating_recency,
        case when last_nps_date > window_start then last_nps_date end as latest_nps_date

    from in_window

),

micro_days as (

    -- The micro-ratings of a customer, touchpoint and day, as answer_days.
    select
        recent_responses.customer_id,
        recent_responses.touchpoint,
        recent_responses.responded_date,
        count(recent_responses.score_pct) as answers,
        {{ exact_sum('recent_responses.score_pct') }}
        * {{ decay(
            dbt.datediff('recent_responses.responded_date', 'bounds.first_score_date', 'day'),
            'max(satisfaction_settings.half_life_days)'
        ) }} as grown_sum,
        count(recent_responses.score_pct)
        * {{ decay(
            dbt.datediff('recent_responses.responded_date', 'bounds.first_score_date', 'day'),
            'max(satisfaction_settings.half_life_days)'
        ) }} as grown_weight

    from recent_responses
    cross join bounds
    cross join satisfaction_settings
    where recent_responses.is_micro and recent_responses.score_pct is not null
    group by
        recent_responses.customer_id,
        recent_responses.touchpoint,
        recent_responses.responded_date,
        bounds.first_score_date

),

micro_touchpoints as (

    select distinct
        customer_id,
        touchpoint

    from micro_days

),

micro_deltas as (

    select
        customer_id,
        touchpoint,
        responded_date as delta_date,
        answers as answers_delta,
        grown_sum as entering_sum,
        grown_weight as entering_weight,
        cast(null as double) as leaving_sum,
        cast(null as double) as leaving_weight

    from micro_days

    union all

    select
        micro_days.customer_id,
        micro_days.touchpoint,
        cast({{ dbt.dateadd('day', 'satisfaction_settings.window_days', 'micro_days.responded_date') }} as date)
            as delta_date,
        -micro_days.answers as answers_delta,
        cast(null as double) as entering_sum,
        cast(null as double) as entering_weight,
        micro_days.grown_sum as leaving_sum,
        micro_days.grown_weight as leaving_weight

    from micro_days
    cross join satisfaction_settings

),

micro_change_days as (

    -- As change_days: the changes before the first day scored in one opening row.
    select
        micro_deltas.customer_id,
        micro_deltas.touchpoint,
        greatest(micro_deltas.delta_date, bounds.opening_date) as delta_date,
        sum(micro_deltas.answers_delta) as answers_delta,
        {% for part in ['sum', 'weight'] -%}
            {{ net_delta(
                'micro_deltas.entering_' ~ part,
                'micro_deltas.leaving_' ~ part,
                'greatest(micro_deltas.delta_date, bounds.opening_date) = bounds.opening_date',
            ) }} as {{ part }}_delta{% if not loop.last %},{% endif %}
        {% endfor %}
    from micro_deltas
    cross join bounds
    where micro_deltas.delta_date <= bounds.last_score_date
    group by
        micro_deltas.customer_id,
        micro_deltas.touchpoint,
        greatest(micro_deltas.delta_date, bounds.opening_date),
        bounds.opening_date

),

micro_score_days as (

    -- The days scored of each customer's rated touchpoints.
    select
        micro_touchpoints.customer_id,
        micro_touchpoints.touchpoint,
        score_days.score_date

    from micro_touchpoints
    inner join score_days
        on micro_touchpoints.customer_id = score_days.customer_id

),

micro_daily_deltas as (

    -- As daily_deltas.
    {%- set zero_filled = ['answers_delta', 'sum_delta', 'weight_delta'] %}
    {{ rows_for_running_sums('micro_change_days', 'micro_score_days', ['customer_id', 'touchpoint'], zero_filled) }}

),

micro_rolling_changes as (

    select
        customer_id,
        touchpoint,
        delta_date,
        sum(answers_delta) over (
            partition by customer_id, touchpoint order by delta_date
            rows between unbounded preceding and current row
        ) as answers,
        sum(sum_delta) over (
            partition by customer_id, touchpoint order by delta_date
            rows between unbounded preceding and current row
        ) as grown_sum,
        sum(weight_delta) over (
            partition by customer_id, touchpoint order by delta_date
            rows between unbounded preceding and current row
        ) as grown_weight

    from micro_daily_deltas

),

micro_rolling as (

    {{ running_sums_on_days(
        'micro_rolling_changes', 'micro_score_days', ['customer_id', 'touchpoint'],
        ['answers', 'grown_sum', 'grown_weight'],
    ) }}

),

micro_ratings as (

    select
        micro_rolling.customer_id,
        micro_rolling.delta_date as score_date,
        {{ exact_avg(
            'round(' ~ ratio('micro_rolling.grown_sum', 'micro_rolling.grown_weight') ~ ', ' ~ rescaled_sum_decimals() ~ ')'
        ) }} as micro_rating_pct

    from micro_rolling
    inner join score_dates
        on micro_rolling.delta_date = score_dates.score_date
    where micro_rolling.answers > 0
    group by micro_rolling.customer_id, micro_rolling.delta_date

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        lifecycle.plan,
        per_customer.responses,
        nps_days.score as latest_nps,
        {{ dbt.datediff('per_customer.latest_nps_date', 'per_customer.score_date', 'day') }}
            as latest_nps_age_days,
        case
            when per_customer.latest_nps_date is not null
                then {{ decay(
                    dbt.datediff('per_customer.latest_nps_date', 'per_customer.score_date', 'day'),
                    'satisfaction_settings.half_life_days'
                ) }}
        end as latest_nps_recency,
        case
            when nps_days.score >= settings.nps_promoter_min_score then 'promoter'
            when nps_days.score <= settings.nps_detractor_max_score then 'detractor'
            when nps_days.score is not null then 'passive'
        end as nps_category,
        coalesce(
            nps_days.score <= settings.nps_detractor_max_score
            and {{ dbt.datediff('per_customer.latest_nps_date', 'per_customer.score_date', 'day') }}
            <= settings.detractor_recent_days,
            false
        ) as has_recent_detractor,
        settings.detractor_cap_score,
        per_customer.csat_pct,
        per_customer.csat_recency,
        micro_ratings.micro_rating_pct,
        per_customer.micro_rating_recency,
        per_customer.csm_pulse_pct,
        per_customer.csm_pulse_recency

    from per_customer
    cross join settings
    cross join satisfaction_settings
    left join nps_days
        on
            per_customer.customer_id = nps_days.customer_id
            and per_customer.latest_nps_date = nps_days.responded_date
            and nps_days.recency_rank = 1
    left join micro_ratings
        on
            per_customer.customer_id = micro_ratings.customer_id
            and per_customer.score_date = micro_ratings.score_date
    -- Known customers only: rows of a customer missing from the CRM are reported by
    -- int_quality__findings and never scored.
    inner join lifecycle
        on
            per_customer.customer_id = lifecycle.customer_id
            and per_customer.score_date = lifecycle.score_date

),

{{ dimension_scores('satisfaction', metrics, weight_factors={
    'latest_nps': 'latest_nps_recency',
    'csat_pct': 'csat_recency',
    'micro_rating_pct': 'micro_rating_recency',
    'csm_pulse_pct': 'csm_pulse_recency',
}) }},

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
            dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.satisfaction_score_raw,
        case
            when metrics.has_recent_detractor
                then least(dimension_scores.satisfaction_score_raw, metrics.detractor_cap_score)
            else dimension_scores.satisfaction_score_raw
        end as satisfaction_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
