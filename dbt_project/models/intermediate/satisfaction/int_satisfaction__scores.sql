{#-
    Satisfaction per customer and score date from survey answers in the satisfaction window
    ending on the day: the latest NPS answer, and CSAT, micro-ratings (thumbs, emoji, rating)
    and the CSM pulse put on 0-100 by the `survey_kinds` seed. No answer in the window: no row.
-#}
{%- set metrics = ['latest_nps', 'avg_csat_pct', 'micro_rating_pct', 'csm_pulse_pct'] -%}
with

responses as (

    select * from {{ ref('stg_surveys__responses') }}

),

survey_kinds as (

    select * from {{ ref('survey_kinds') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

windowed as (

    select
        responses.customer_id,
        score_dates.score_date,
        responses.response_id,
        responses.survey_kind,
        responses.score,
        responses.responded_at,
        100.0 * {{ ratio(
            'responses.score - survey_kinds.min_score', 'survey_kinds.max_score - survey_kinds.min_score'
        ) }} as score_pct

    from responses
    inner join survey_kinds
        on responses.survey_kind = survey_kinds.survey_kind
    inner join score_dates
        on
            responses.responded_date <= score_dates.score_date
            and responses.responded_date
            > {{ dbt.dateadd('day', -var('satisfaction_window_days'), 'score_dates.score_date') }}

),

nps_ranked as (

    select
        customer_id,
        score_date,
        score,
        row_number() over (
            partition by customer_id, score_date order by responded_at desc, response_id desc
        ) as recency_rank

    from windowed
    where survey_kind = 'nps'

),

per_customer as (

    select
        customer_id,
        score_date,
        count(*) as responses,
        avg(case when survey_kind = 'csat' then score_pct end) as avg_csat_pct,
        avg(case when survey_kind in ('thumbs', 'emoji', 'rating') then score_pct end)
            as micro_rating_pct,
        avg(case when survey_kind = 'csm_pulse' then score_pct end) as csm_pulse_pct

    from windowed
    group by customer_id, score_date

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.score_date,
        per_customer.responses,
        nps_ranked.score as latest_nps,
        per_customer.avg_csat_pct,
        per_customer.micro_rating_pct,
        per_customer.csm_pulse_pct

    from per_customer
    left join nps_ranked
        on
            per_customer.customer_id = nps_ranked.customer_id
            and per_customer.score_date = nps_ranked.score_date
            and nps_ranked.recency_rank = 1

),

{{ dimension_scores('satisfaction', metrics) }},

final as (

    select
        metrics.*,
        {% for metric in metrics -%}
        dimension_scores.{{ metric }}_score,
        {% endfor -%}
        dimension_scores.satisfaction_score

    from metrics
    inner join dimension_scores
        on
            metrics.customer_id = dimension_scores.customer_id
            and metrics.score_date = dimension_scores.score_date

)

select * from final
