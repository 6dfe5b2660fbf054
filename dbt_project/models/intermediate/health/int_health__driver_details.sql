{#-
    The sentence of each customer's primary driver on every score date: the driver named by
    `int_health__combined`, its sentence built from that dimension's row of the day
    (`dimension_detail`, macros/dimension_details.sql). No row when the customer has no primary
    driver that day or the driver's dimension no row; a null sentence when a part of it is
    missing.

    Only the driver's sentence is built: the dimension models keep the numbers it is made of,
    not a sentence per dimension and day, of which the history kept one in six
    (docs/performance.md, "Only the driver's sentence": at 100,000 customers x a year, 30
    million sentences instead of about 150 million built and written).

    A model of its own for memory. Inside `int_health__combined`, the lookup joined the wide rows
    to the six dimensions' sentences stacked (23 million rows at 100,000 customers x 45 days),
    and DuckDB built its hash table on the stack, because it guesses the chain of six left joins
    in front of it at billions of rows: 7.6 GB at its peak, 39.5 s of CPU, out of memory under 3
    GB. Here the drivers are a table DuckDB knows the size of: each dimension's table streams past
    the drivers of that dimension; `int_health__combined` without the lookup takes 2.8 GB and 11 s.
-#}
{%- set dimensions = var('dimensions') -%}
with

drivers as (

    select
        customer_id,
        score_date,
        primary_driver

    from {{ ref('int_health__combined') }}
    where primary_driver is not null

),

-- The driver's own dimension row of that day, and its sentence built from it: one sentence
-- per customer-day, not one per dimension.
dimension_details as (

    {% for dimension in dimensions -%}
        {% if not loop.first %}

            union all

        {% endif -%}
        select
            drivers.customer_id,
            drivers.score_date,
            {{ dimension_detail(dimension, dimension ~ '_scores') }} as driver_detail

        from drivers
        inner join {{ ref('int_' ~ dimension ~ '__scores') }} as {{ dimension }}_scores
            on
                drivers.customer_id = {{ dimension }}_scores.customer_id
                and drivers.score_date = {{ dimension }}_scores.score_date
        where drivers.primary_driver = '{{ dimension }}'
    {% endfor %}

),

-- Not filtered on the sentence: DuckDB pushes such a filter below the join, into the scan of
-- every dimension row, and builds the sentence of each one to test it (9 of the model's 18 CPU
-- seconds at 100,000 customers x 92 days).
final as (

    select
        customer_id,
        score_date,
        driver_detail

    from dimension_details

)

select * from final
