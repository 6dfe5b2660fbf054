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
{%- set age_days = dbt.datediff('responses.responded_date', 'score_dates.score_date', 'day') -%}
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

windowed as (

    select
        responses.customer_id,
        score_dates.score_date,
        responses.response_id,
        responses.survey_kind,
        coalesce(responses.touchpoint, '(none)') as touchpoint,
        responses.score,
        responses.responded_at,
        {{ age_days }} as age_days,
        {{ decay(age_days, 'satisfaction_settings.half_life_days') }} as recency_weight,
        100.0 * {{ ratio(
            'responses.score - survey_kinds.min_score', 'survey_kinds.max_score - survey_kinds.min_score'
        ) }} as score_pct

    from responses
    cross join satisfaction_settings
    inner join survey_kinds
        on responses.survey_kind = survey_kinds.survey_kind
    inner join score_dates
        on
            responses.responded_date <= score_dates.score_date
            and responses.responded_date
            > {{ dbt.dateadd('day', '-satisfaction_settings.window_days', 'score_dates.score_date') }}

),

nps_ranked as (

    select
        customer_id,
        score_date,
        score,
        age_days,
        recency_weight,
        row_number() over (
            partition by customer_id, score_date order by responded_at desc, response_id desc
        ) as recency_rank

    from windowed
    where survey_kind = 'nps'

),

micro_by_touchpoint as (

    select
        customer_id,
        score_date,
        touchpoint,
        {{ weighted_mean('score_pct', 'recency_weight') }} as touchpoint_rating_pct,
        max(recency_weight) as recency_weight

    from windowed
    where survey_kind in ('thumbs', 'emoji', 'rating')
    group by customer_id, score_date, touchpoint

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

per_customer as (

    select
        customer_id,
        score_date,
        count(*) as responses,
        {{ weighted_mean("case when survey_kind = 'csat' then score_pct end", 'recency_weight') }} as csat_pct,
        max(case when survey_kind = 'csat' then recency_weight end) as csat_recency,
        {{ weighted_mean("case when survey_kind = 'csm_pulse' then score_pct end", 'recency_weight') }}
            as csm_pulse_pct,
        max(case when survey_kind = 'csm_pulse' then recency_weight end) as csm_pulse_recency

    from windowed
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
