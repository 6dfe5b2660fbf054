{#-
    The exchange rate of each currency on each score date: the `fx_rates` row of the latest
    valid_from on or before the day. A currency without a row in force that day has no row here,
    so a conversion that needs it is null (and flagged), never a silent rate of 1.
-#}
with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

score_dates as (

    select * from {{ ref('int_score_dates') }}

),

versions as (

    select
        score_dates.score_date,
        upper(trim(fx_rates.currency)) as currency,
        fx_rates.rate_to_reporting,
        fx_rates.valid_from as rate_valid_from,
        row_number() over (
            partition by score_dates.score_date, upper(trim(fx_rates.currency))
            order by fx_rates.valid_from desc
        ) as version_rank

    from fx_rates
    inner join score_dates
        on fx_rates.valid_from <= score_dates.score_date

),

final as (

    select
        score_date,
        currency,
        rate_to_reporting,
        rate_valid_from

    from versions
    where version_rank = 1

)

select * from final
