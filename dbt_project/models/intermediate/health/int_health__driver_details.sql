{#-
    The sentence of each customer's primary driver on every score date: the driver named by
    `int_health__combined`, its sentence from that dimension's own model. No row when the
    customer has no primary driver that day, or the dimension no sentence.

    A model of its own for memory. Inside `int_health__combined`, the lookup joined the wide rows
    to the six dimensions' sentences stacked (23 million rows at 100,000 customers x 45 days),
    and DuckDB built its hash table on the stack, because it guesses the chain of six left joins
    in front of it at billions of rows: 7.6 GB at its peak, 39.5 s of CPU, out of memory under 3
    GB. Here the drivers are a table DuckDB knows the size of: it builds on their three narrow
    columns and streams the sentences past them (0.75 GB, 3 s); `int_health__combined` without the
    lookup takes 2.8 GB and 11 s.
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

-- One row per dimension, customer and day.
dimension_details as (

    {% for dimension in dimensions -%}
        {% if not loop.first %}

            union all

        {% endif -%}
        select
            customer_id,
            score_date,
            '{{ dimension }}' as dimension,
            {{ dimension }}_detail as detail

        from {{ ref('int_' ~ dimension ~ '__scores') }}
        where {{ dimension }}_detail is not null
    {% endfor %}

),

final as (

    select
        drivers.customer_id,
        drivers.score_date,
        dimension_details.detail as driver_detail

    from drivers
    inner join dimension_details
        on
            drivers.customer_id = dimension_details.customer_id
            and drivers.score_date = dimension_details.score_date
            and drivers.primary_driver = dimension_details.dimension

)

select * from final
