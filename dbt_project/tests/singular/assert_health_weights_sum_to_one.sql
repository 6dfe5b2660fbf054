-- Each plan's weights sum to 1 for every valid_from; a set that does not fails with its plan,
-- valid_from and sum.
with

health_weights as (

    select * from {{ ref('health_weights') }}

),

sums as (

    select
        plan,
        valid_from,
        sum(weight) as total_weight

    from health_weights
    group by plan, valid_from
    having abs(sum(weight) - 1) > 0.0001

),

final as (

    -- The error sits in the filter: dbt counts the rows, so a column would be optimised away.
    select
        plan,
        valid_from,
        total_weight

    from sums
    where {{ raise_error(
        "'seeds/health_weights.csv: the weights of plan ' || plan || ' valid from '"
        ~ " || cast(valid_from as " ~ dbt.type_string() ~ ") || ' sum to '"
        ~ " || cast(round(total_weight, 4) as " ~ dbt.type_string() ~ ") || ', not 1'"
    ) }} is null

)

select * from final
