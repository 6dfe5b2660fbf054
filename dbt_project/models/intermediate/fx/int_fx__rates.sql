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

rates_in_force as (

    {{ in_force(
        'fx_rates',
        'score_dates',
        partition_by=['upper(trim(versions.currency))'],
    ) }}

),

final as (

    select
        score_date,
        upper(trim(currency)) as currency,
        rate_to_reporting,
        valid_from as rate_valid_from

    from rates_in_force

)

select * from final
