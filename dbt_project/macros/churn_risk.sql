{#-
    The marts name the churn risk column for its horizon (`churn_risk_90d`), and the
    `churn_risk_bands` seed holds probabilities for that horizon. A run with another
    `churn_horizon_days` would label a 90-day risk with the wrong horizon, so it stops at compile
    time instead: change the column name, its contract and the seed together.
-#}
{% macro assert_churn_risk_horizon(column_horizon_days=90) -%}
    {%- if var('churn_horizon_days') | int != column_horizon_days -%}
        {{ exceptions.raise_compiler_error(
            "churn_risk_" ~ column_horizon_days ~ "d is a " ~ column_horizon_days ~ "-day churn risk, but the var"
            ~ " churn_horizon_days is " ~ var('churn_horizon_days') ~ ": rename the column (models,"
            ~ " contracts) and refit seeds/churn_risk_bands.csv for the new horizon, or keep the var at "
            ~ column_horizon_days ~ "."
        ) }}
    {%- endif -%}
{%- endmacro %}
