{#-
    The sentence for a CS lead that explains a dimension's sub-score on a day, from the columns
    of that dimension's `int_<dimension>__scores` row (`row`: the alias of that row in the
    query). Null when a part it needs is null (the customer-day then has no sentence).

    Written for the primary driver only (`int_health__driver_details`), not for every
    dimension of every customer-day: at 100,000 customers x a year that is 30 million sentences
    instead of about 150 million built and stored, one per dimension and day, of which the
    history kept only the driver's (docs/performance.md, "Only the driver's sentence").
    A new dimension adds its sentence here; a dimension without one raises at compile time.
-#}
{% macro dimension_detail(dimension, row) -%}
    {%- if dimension == 'usage' -%}
        'usage: ' || {{ whole_text(row ~ '.active_users') }} || ' of '
        || coalesce({{ whole_text(row ~ '.seats_purchased') }}, '?') || ' seats and '
        || {{ whole_text(row ~ '.features_used') }} || ' of '
        || coalesce({{ whole_text(row ~ '.features_available') }}, '?') || ' features used in the last '
        || {{ whole_text(row ~ '.window_days') }} || ' days'
        || coalesce(
            ', events ' || case when {{ row }}.events_trend_pct < 0 then 'down ' else 'up ' end
            || {{ whole_text('abs(' ~ row ~ '.events_trend_pct)') }} || '% on the window before',
            ''
        )
    {%- elif dimension == 'support' -%}
        case
            when {{ row }}.is_support_silence
                then 'support: no ticket in the last ' || {{ whole_text(row ~ '.window_days') }} || ' days from a '
                    || {{ whole_text(row ~ '.seats_purchased') }}
                    || '-seat account with low usage (silence, not health)'
            else 'support: ' || {{ whole_text(row ~ '.tickets_opened') }} || ' tickets in the last '
                || {{ whole_text(row ~ '.window_days') }} || ' days, '
                || {{ whole_text(row ~ '.urgent_high_tickets') }} || ' high or urgent, '
                || {{ whole_text(row ~ '.resolution_sla_breaches') }} || ' past the resolution SLA'
                || coalesce(', ticket CSAT ' || {{ as_text('round(' ~ row ~ '.avg_ticket_csat, 1)') }} || ' of 5', '')
        end
    {%- elif dimension == 'satisfaction' -%}
        'satisfaction: '
        || coalesce(
            'latest NPS ' || {{ whole_text(row ~ '.latest_nps') }} || ' (' || {{ row }}.nps_category || ') '
            || {{ whole_text(row ~ '.latest_nps_age_days') }} || ' days ago',
            'no NPS answer'
        )
        || coalesce(', CSAT ' || {{ whole_text(row ~ '.csat_pct') }} || '/100', '')
        || coalesce(', micro-ratings ' || {{ whole_text(row ~ '.micro_rating_pct') }} || '/100', '')
        || coalesce(', CSM pulse ' || {{ whole_text(row ~ '.csm_pulse_pct') }} || '/100', '')
    {%- elif dimension == 'financial' -%}
        'financial: '
        || case
            when {{ row }}.overdue_amount > 0
                then {{ whole_text(row ~ '.overdue_amount') }} || ' overdue ('
                    || {{ as_text('round(' ~ row ~ '.overdue_to_mrr_ratio, 1)') }} || 'x MRR), '
            else 'nothing overdue, '
        end
        || 'up to ' || {{ whole_text(row ~ '.max_days_past_due') }} || ' days past due, '
        || {{ whole_text(row ~ '.failed_payments') }} || ' failed payments in the last '
        || {{ whole_text(row ~ '.window_days') }} || ' days'
        || coalesce(', ' || {{ whole_text(row ~ '.late_paid_pct') }} || '% of invoices paid late', '')
    {%- elif dimension == 'relationship' -%}
        'relationship: '
        || coalesce('term ends in ' || {{ whole_text(row ~ '.days_to_term_end') }} || ' days, ', 'no term end, ')
        || {{ whole_text(row ~ '.renewals_completed') }} || ' renewals, '
        || {{ whole_text(row ~ '.tenure_days') }} || ' days of tenure'
        || case
            when {{ row }}.contraction_pct > 0
                then ', MRR down ' || {{ whole_text(row ~ '.contraction_pct') }} || '% on '
                    || {{ whole_text(row ~ '.window_days') }} || ' days ago'
            when {{ row }}.expansion_status = 'backed' then ', expansion backed by engagement'
            when {{ row }}.expansion_status = 'not_backed' then ', expansion not backed by engagement (neutral)'
            else ''
        end
    {%- elif dimension == 'engagement' -%}
        'engagement: ' || {{ whole_text(row ~ '.touchpoints') }} || ' touchpoints in the last '
        || {{ whole_text(row ~ '.window_days') }} || ' days worth '
        || {{ whole_text(row ~ '.gross_points') }} || ' points after decay, last one '
        || {{ whole_text(row ~ '.days_since_last_touchpoint') }} || ' days ago'
        || case
            when {{ row }}.silent_weeks > 0
                then ' (' || {{ whole_text(row ~ '.silent_weeks') }} || ' weeks of silence cost '
                    || {{ whole_text(row ~ '.silence_penalty_points') }} || ' points)'
            else ''
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "dimension_detail: no sentence for the dimension '" ~ dimension
            ~ "'; add one to macros/dimension_details.sql"
        ) }}
    {%- endif -%}
{%- endmacro %}
