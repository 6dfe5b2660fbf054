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
-#}
{%- set metrics = dimension_metrics()['satisfaction'] -%}
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

    -- Recency weights are kept relative to the first day scored (their anchor): a weighted mean
    -- is the same whatever day its weights are measured from, so the window's sums are running
    -- sums over the days instead of a join of every day to its window.
    select
        min(score_date) as first_score_date,
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
        ) }} as score_pct

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

response_days as (

    -- One row per customer, day and touchpoint: answers of one day share their weight, so their
    -- scores are summed exactly (a decimal sum) and then grown from the anchor.
    select
        recent_responses.customer_id,
        recent_responses.responded_date,
        recent_responses.touchpoint,
        {{ decay(
            dbt.datediff('recent_responses.responded_date', 'bounds.first_score_date', 'day'),
            'max(satisfaction_settings.half_life_days)'
        ) }} as growth,
        count(*) as responses,
        {% for kind in ['csat', 'csm_pulse', 'micro'] -%}
            {%- set is_kind = "recent_responses.survey_kind in ('thumbs', 'emoji', 'rating')" if kind == 'micro'
                else "recent_responses.survey_kind = '" ~ kind ~ "'" -%}
            count(case when {{ is_kind }} then 1 end) as {{ kind }}_answers,
            count(case when {{ is_kind }} then recent_responses.score_pct end) as {{ kind }}_scored,
            {{ exact_sum('case when ' ~ is_kind ~ ' then recent_responses.score_pct end') }} as {{ kind }}_score_sum,
        {% endfor -%}
        max(case when recent_responses.survey_kind = 'nps' then recent_responses.responded_at end) as nps_at

    from recent_responses
    cross join bounds
    cross join satisfaction_settings
    group by
        recent_responses.customer_id,
        recent_responses.responded_date,
        recent_responses.touchpoint,
        bounds.first_score_date

),

customer_days as (

    select
        customer_id,
        responded_date,
        max(growth) as growth,
        sum(responses) as responses,
        {% for kind in ['csat', 'csm_pulse'] -%}
            sum({{ kind }}_answers) as {{ kind }}_answers,
            sum({{ kind }}_scored) as {{ kind }}_scored,
            sum({{ kind }}_scored) * max(growth) as {{ kind }}_weight,
            {{ exact_sum(kind ~ '_score_sum') }} * max(growth) as {{ kind }}_weighted_score,
        {% endfor -%}
        max(nps_at) as nps_at

    from response_days
    group by customer_id, responded_date

),

customer_deltas as (

    -- Answers enter the window on their day and leave it window_days later. Entering and
    -- leaving sums are kept apart, so that no day adds more than one of them.
    select
        customer_id,
        responded_date as delta_date,
        responses as responses_delta,
        {% for kind in ['csat', 'csm_pulse'] -%}
            {{ kind }}_answers as {{ kind }}_answers_delta,
            {{ kind }}_scored as {{ kind }}_scored_delta,
            {{ kind }}_weight as entering_{{ kind }}_weight,
            {{ kind }}_weighted_score as entering_{{ kind }}_weighted_score,
            cast(null as double) as leaving_{{ kind }}_weight,
            cast(null as double) as leaving_{{ kind }}_weighted_score,
            case when {{ kind }}_answers > 0 then responded_date end as {{ kind }}_date,
        {% endfor -%}
        nps_at

    from customer_days

    union all

    select
        customer_days.customer_id,
        cast({{ dbt.dateadd('day', 'satisfaction_settings.window_days', 'customer_days.responded_date') }} as date)
            as delta_date,
        -customer_days.responses as responses_delta,
        {% for kind in ['csat', 'csm_pulse'] -%}
            -customer_days.{{ kind }}_answers as {{ kind }}_answers_delta,
            -customer_days.{{ kind }}_scored as {{ kind }}_scored_delta,
            cast(null as double) as entering_{{ kind }}_weight,
            cast(null as double) as entering_{{ kind }}_weighted_score,
            customer_days.{{ kind }}_weight as leaving_{{ kind }}_weight,
            customer_days.{{ kind }}_weighted_score as leaving_{{ kind }}_weighted_score,
            cast(null as date) as {{ kind }}_date,
        {% endfor -%}
        cast(null as timestamp) as nps_at

    from customer_days
    cross join satisfaction_settings

    union all

    -- The days scored, so that each has a row to read the running sums on.
    select
        customer_id,
        score_date as delta_date,
        0 as responses_delta,
        {% for kind in ['csat', 'csm_pulse'] -%}
            0 as {{ kind }}_answers_delta,
            0 as {{ kind }}_scored_delta,
            cast(null as double) as entering_{{ kind }}_weight,
            cast(null as double) as entering_{{ kind }}_weighted_score,
            cast(null as double) as leaving_{{ kind }}_weight,
            cast(null as double) as leaving_{{ kind }}_weighted_score,
            cast(null as date) as {{ kind }}_date,
        {% endfor -%}
        cast(null as timestamp) as nps_at

    from lifecycle

),

customer_daily_deltas as (

    select
        customer_deltas.customer_id,
        customer_deltas.delta_date,
        sum(customer_deltas.responses_delta) as responses_delta,
        {% for kind in ['csat', 'csm_pulse'] -%}
            sum(customer_deltas.{{ kind }}_answers_delta) as {{ kind }}_answers_delta,
            sum(customer_deltas.{{ kind }}_scored_delta) as {{ kind }}_scored_delta,
            coalesce(max(customer_deltas.entering_{{ kind }}_weight), 0)
            - coalesce(max(customer_deltas.leaving_{{ kind }}_weight), 0) as {{ kind }}_weight_delta,
            coalesce(max(customer_deltas.entering_{{ kind }}_weighted_score), 0)
            - coalesce(max(customer_deltas.leaving_{{ kind }}_weighted_score), 0) as {{ kind }}_weighted_score_delta,
            max(customer_deltas.{{ kind }}_date) as {{ kind }}_date,
        {% endfor -%}
        max(customer_deltas.nps_at) as nps_at

    from customer_deltas
    cross join bounds
    where customer_deltas.delta_date <= bounds.last_score_date
    group by customer_deltas.customer_id, customer_deltas.delta_date

),

customer_rolling as (

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
            sum({{ kind }}_scored_delta) over (
                partition by customer_id order by delta_date rows between unbounded preceding and current row
            ) as {{ kind }}_scored,
            sum({{ kind }}_weight_delta) over (
                partition by customer_id order by delta_date rows between unbounded preceding and current row
            ) as {{ kind }}_weight,
            sum({{ kind }}_weighted_score_delta) over (
                partition by customer_id order by delta_date rows between unbounded preceding and current row
            ) as {{ kind }}_weighted_score,
            max({{ kind }}_date) over (
                partition by customer_id order by delta_date rows between unbounded preceding and current row
            ) as last_{{ kind }}_date,
        {% endfor -%}
        max(nps_at) over (
            partition by customer_id order by delta_date rows between unbounded preceding and current row
        ) as last_nps_at

    from customer_daily_deltas

),

per_customer as (

    -- A weighted mean is null when no answer of its kind has a score; the recency of a kind is
    -- the weight of its latest answer in the window.
    select
        customer_rolling.customer_id,
        customer_rolling.delta_date as score_date,
        customer_rolling.responses,
        customer_rolling.last_nps_at,
        {% for kind in ['csat', 'csm_pulse'] -%}
            case
                when customer_rolling.{{ kind }}_scored > 0
                    then customer_rolling.{{ kind }}_weighted_score / nullif(customer_rolling.{{ kind }}_weight, 0)
            end as {{ kind }}_pct,
            case
                when customer_rolling.{{ kind }}_answers > 0
                    then {{ decay(
                        dbt.datediff('customer_rolling.last_' ~ kind ~ '_date', 'customer_rolling.delta_date', 'day'),
                        'satisfaction_settings.half_life_days'
                    ) }}
            end as {{ kind }}_recency{% if not loop.last %},{% endif %}
        {% endfor %}
    from customer_rolling
    cross join satisfaction_settings
    inner join score_dates
        on customer_rolling.delta_date = score_dates.score_date
    where customer_rolling.responses > 0

),

nps_answers as (

    -- The latest NPS answer at an instant: the highest response_id among those answered then.
    select
        customer_id,
        responded_at,
        max(response_id) as response_id

    from recent_responses
    where survey_kind = 'nps'
    group by customer_id, responded_at

),

nps_ranked as (

    -- The latest NPS answer known on the day, when it is still in the window.
    select
        per_customer.customer_id,
        per_customer.score_date,
        recent_responses.score,
        {{ dbt.datediff('recent_responses.responded_date', 'per_customer.score_date', 'day') }}
            as age_days,
        {{ decay(
            dbt.datediff('recent_responses.responded_date', 'per_customer.score_date', 'day'),
            'satisfaction_settings.half_life_days'
        ) }} as recency_weight,
        1 as recency_rank

    from per_customer
    cross join satisfaction_settings
    inner join nps_answers
        on
            per_customer.customer_id = nps_answers.customer_id
            and per_customer.last_nps_at = nps_answers.responded_at
    inner join recent_responses
        on nps_answers.response_id = recent_responses.response_id
    where
        recent_responses.responded_date
        > {{ dbt.dateadd('day', '-satisfaction_settings.window_days', 'per_customer.score_date') }}

),

customer_touchpoints as (

    select
        customer_id,
        touchpoint,
        min(responded_date) as first_date,
        max(responded_date) as last_date

    from response_days
    where micro_answers > 0
    group by customer_id, touchpoint

),

touchpoint_deltas as (

    -- Micro-ratings per touchpoint, the same running sums partitioned by touchpoint as well.
    select
        customer_id,
        touchpoint,
        responded_date as delta_date,
        micro_answers as answers_delta,
        micro_scored as scored_delta,
        micro_scored * growth as entering_weight,
        micro_score_sum * growth as entering_weighted_score,
        cast(null as double) as leaving_weight,
        cast(null as double) as leaving_weighted_score,
        responded_date as answer_date

    from response_days
    where micro_answers > 0

    union all

    select
        response_days.customer_id,
        response_days.touchpoint,
        cast({{ dbt.dateadd('day', 'satisfaction_settings.window_days', 'response_days.responded_date') }} as date)
            as delta_date,
        -response_days.micro_answers as answers_delta,
        -response_days.micro_scored as scored_delta,
        cast(null as double) as entering_weight,
        cast(null as double) as entering_weighted_score,
        response_days.micro_scored * response_days.growth as leaving_weight,
        response_days.micro_score_sum * response_days.growth as leaving_weighted_score,
        cast(null as date) as answer_date

    from response_days
    cross join satisfaction_settings
    where response_days.micro_answers > 0

    union all

    -- The days scored on which the touchpoint may be in the window.
    select
        customer_touchpoints.customer_id,
        customer_touchpoints.touchpoint,
        score_dates.score_date as delta_date,
        0 as answers_delta,
        0 as scored_delta,
        cast(null as double) as entering_weight,
        cast(null as double) as entering_weighted_score,
        cast(null as double) as leaving_weight,
        cast(null as double) as leaving_weighted_score,
        cast(null as date) as answer_date

    from customer_touchpoints
    cross join satisfaction_settings
    inner join score_dates
        on
            customer_touchpoints.first_date <= score_dates.score_date
            and score_dates.score_date
            < {{ dbt.dateadd('day', 'satisfaction_settings.window_days', 'customer_touchpoints.last_date') }}

),

touchpoint_daily_deltas as (

    select
        customer_id,
        touchpoint,
        delta_date,
        sum(answers_delta) as answers_delta,
        sum(scored_delta) as scored_delta,
        coalesce(max(entering_weight), 0) - coalesce(max(leaving_weight), 0) as weight_delta,
        coalesce(max(entering_weighted_score), 0) - coalesce(max(leaving_weighted_score), 0)
            as weighted_score_delta,
        max(answer_date) as answer_date

    from touchpoint_deltas
    group by customer_id, touchpoint, delta_date

),

touchpoint_rolling as (

    select
        customer_id,
        touchpoint,
        delta_date,
        sum(answers_delta) over (
            partition by customer_id, touchpoint order by delta_date rows between unbounded preceding and current row
        ) as answers,
        sum(scored_delta) over (
            partition by customer_id, touchpoint order by delta_date rows between unbounded preceding and current row
        ) as scored,
        sum(weight_delta) over (
            partition by customer_id, touchpoint order by delta_date rows between unbounded preceding and current row
        ) as answer_weight,
        sum(weighted_score_delta) over (
            partition by customer_id, touchpoint order by delta_date rows between unbounded preceding and current row
        ) as weighted_score,
        max(answer_date) over (
            partition by customer_id, touchpoint order by delta_date rows between unbounded preceding and current row
        ) as last_answer_date

    from touchpoint_daily_deltas

),

micro_by_touchpoint as (

    select
        touchpoint_rolling.customer_id,
        touchpoint_rolling.delta_date as score_date,
        touchpoint_rolling.touchpoint,
        case
            when touchpoint_rolling.scored > 0
                then touchpoint_rolling.weighted_score / nullif(touchpoint_rolling.answer_weight, 0)
        end as touchpoint_rating_pct,
        {{ decay(
            dbt.datediff('touchpoint_rolling.last_answer_date', 'touchpoint_rolling.delta_date', 'day'),
            'satisfaction_settings.half_life_days'
        ) }} as recency_weight

    from touchpoint_rolling
    cross join satisfaction_settings
    inner join score_dates
        on touchpoint_rolling.delta_date = score_dates.score_date
    where touchpoint_rolling.answers > 0

),

micro_ratings as (

    select
        customer_id,
        score_date,
        {{ exact_avg('touchpoint_rating_pct') }} as micro_rating_pct,
        max(recency_weight) as micro_rating_recency,
        min(touchpoint_rating_pct) as lowest_touchpoint_rating_pct

    from micro_by_touchpoint
    group by customer_id, score_date

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        lifecycle.plan,
        per_customer.responses,
        nps_ranked.score as latest_nps,
        nps_ranked.age_days as latest_nps_age_days,
        nps_ranked.recency_weight as latest_nps_recency,
        case
            when nps_ranked.score >= settings.nps_promoter_min_score then 'promoter'
            when nps_ranked.score <= settings.nps_detractor_max_score then 'detractor'
            when nps_ranked.score is not null then 'passive'
        end as nps_category,
        coalesce(
            nps_ranked.score <= settings.nps_detractor_max_score
            and nps_ranked.age_days <= settings.detractor_recent_days,
            false
        ) as has_recent_detractor,
        settings.detractor_cap_score,
        per_customer.csat_pct,
        per_customer.csat_recency,
        micro_ratings.micro_rating_pct,
        micro_ratings.micro_rating_recency,
        per_customer.csm_pulse_pct,
        per_customer.csm_pulse_recency

    from per_customer
    cross join settings
    left join nps_ranked
        on
            per_customer.customer_id = nps_ranked.customer_id
            and per_customer.score_date = nps_ranked.score_date
            and nps_ranked.recency_rank = 1
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
        end as satisfaction_score,
        'satisfaction: '
        || coalesce(
            'latest NPS ' || {{ whole_text('metrics.latest_nps') }} || ' (' || metrics.nps_category || ') '
            || {{ whole_text('metrics.latest_nps_age_days') }} || ' days ago',
            'no NPS answer'
        )
        || coalesce(', CSAT ' || {{ whole_text('metrics.csat_pct') }} || '/100', '')
        || coalesce(', micro-ratings ' || {{ whole_text('metrics.micro_rating_pct') }} || '/100', '')
        || coalesce(', CSM pulse ' || {{ whole_text('metrics.csm_pulse_pct') }} || '/100', '')
            as satisfaction_detail

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
