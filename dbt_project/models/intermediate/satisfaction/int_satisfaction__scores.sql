{#-
    Satisfaction per customer from survey answers in the satisfaction window: the latest NPS
    answer, and CSAT, micro-ratings (thumbs, emoji, rating) and the CSM pulse put on 0-100 by
    the `survey_kinds` seed. A customer with no answer in the window has no row.
-#}
{%- set metrics = ['latest_nps', 'avg_csat_pct', 'micro_rating_pct', 'csm_pulse_pct'] -%}
with

responses as (

    select * from {{ ref('stg_surveys__responses') }}

),

survey_kinds as (

    select * from {{ ref('survey_kinds') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

windowed as (

    select
        responses.customer_id,
        responses.response_id,
        responses.survey_kind,
        responses.score,
        responses.responded_at,
        100.0
        * {{ ratio('responses.score - survey_kinds.min_score', 'survey_kinds.max_score - survey_kinds.min_score') }}
            as score_pct

    from responses
    inner join survey_kinds
        on responses.survey_kind = survey_kinds.survey_kind
    cross join as_of
    where
        responses.responded_date <= as_of.as_of_date
        and responses.responded_date
        > {{ dbt.dateadd('day', -var('satisfaction_window_days'), 'as_of.as_of_date') }}

),

nps_ranked as (

    select
        customer_id,
        score,
        row_number() over (
            partition by customer_id order by responded_at desc, response_id desc
        ) as recency_rank

    from windowed
    where survey_kind = 'nps'

),

per_customer as (

    select
        customer_id,
        count(*) as responses,
        avg(case when survey_kind = 'csat' then score_pct end) as avg_csat_pct,
        avg(case when survey_kind in ('thumbs', 'emoji', 'rating') then score_pct end)
            as micro_rating_pct,
        avg(case when survey_kind = 'csm_pulse' then score_pct end) as csm_pulse_pct

    from windowed
    group by customer_id

),

metrics as (

    select
        per_customer.customer_id,
        per_customer.responses,
        nps_ranked.score as latest_nps,
        per_customer.avg_csat_pct,
        per_customer.micro_rating_pct,
        per_customer.csm_pulse_pct

    from per_customer
    left join nps_ranked
        on
            per_customer.customer_id = nps_ranked.customer_id
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
        on metrics.customer_id = dimension_scores.customer_id

)

select * from final
