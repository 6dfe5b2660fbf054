create table cust as
with draws as (
    select
        i::integer as cust_num,
        rnd('is_new', i, 0) as u_new,
        rnd('created', i, 0) as u_created,
        rnd('plan', i, 0) as u_plan,
        rnd('seats', i, 0) as u_seats,
        rnd('term', i, 0) as u_term,
        rnd('country', i, 0) as u_country,
        rnd('currency', i, 0) as u_currency,
        rnd('industry', i, 0) as u_industry,
        rnd('has_csm', i, 0) as u_has_csm,
        rnd('csm', i, 0) as u_csm,
        rnd('name1', i, 0) as u_name1,
        rnd('name2', i, 0) as u_name2,
        rnd('name3', i, 0) as u_name3,
        rnd('discount', i, 0) as u_discount,
        rnd('adoption', i, 0) as u_adoption,
        nrm('breadth', i, 0) as z_breadth,
        nrm('base_health', i, 0) as z_base,
        nrm('trend', i, 0) as z_trend,
        rnd('dip_len', i, 0) as u_dip_len,
        rnd('dip_silent', i, 0) as u_dip_silent,
        rnd('dip_strength', i, 0) as u_dip_strength,
        rnd('reason', i, 0) as u_reason,
        rnd('tracked', i, 0) as u_tracked
    -- `as t (i)` names the column of range(): not an unused alias.
    from range(1, $n_plus_1) as t (i)  -- noqa: AL05
),

shaped as (
    select
        *,
        case
            when u_plan < 0.50 then 'starter'
            when u_plan < 0.85 then 'growth'
            else 'enterprise'
        end as plan0,
        case
            when u_country < 0.42 then 'US'
            when u_country < 0.50 then 'GB'
            when u_country < 0.57 then 'DE'
            when u_country < 0.62 then 'FR'
            when u_country < 0.65 then 'NL'
            when u_country < 0.68 then 'ES'
            when u_country < 0.76 then 'BR'
            when u_country < 0.79 then 'MX'
            when u_country < 0.85 then 'CA'
            when u_country < 0.89 then 'AU'
            when u_country < 0.93 then 'IN'
            when u_country < 0.96 then 'JP'
            when u_country < 0.98 then 'SE'
            else 'PT'
        end as country
    from draws
),

final as (
    select
        cust_num,
        'C' || lpad(cust_num::varchar, $width, '0') as customer_id,
        -- Names come from small word lists: duplicates are fine (they are not keys), and the
        -- lists carry commas, quotes-free punctuation and non-ASCII letters on purpose.
        [
            'Acme', 'Blue Harbor', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Stark',
            'Wayne', 'Cyberdyne', 'Soylent', 'Hooli', 'Vandelay', 'Aperture', 'Tyrell', 'Wonka',
            'Oscorp', 'Pied Piper', 'Nakatomi', 'Monarch', 'Zenith', 'Polaris', 'Lumen',
            'Quantum', 'Evergreen', 'Silverline', 'Redwood', 'Bluebird', 'Ironclad',
            'Brightpath', 'Søndergaard', 'Müller & Söhne', 'Açaí', 'Café Lumière', 'São Jorge',
            'Crane, Poole', 'Nordlicht'
        ][1 + floor(u_name1 * 36)::integer]
        || ' '
        || [
            'Analytics', 'Logistics', 'Health', 'Foods', 'Systems', 'Labs', 'Capital', 'Media',
            'Robotics', 'Energy', 'Retail', 'Software', 'Consulting', 'Education', 'Motors',
            'Bank', 'Studios', 'Networks', 'Pharma', 'Holdings'
        ][1 + floor(u_name2 * 20)::integer]
        || case
            when country = 'GB' then ' Ltd'
            when country = 'DE' then ' GmbH'
            when country = 'FR' then ' SAS'
            when country = 'BR' then ' Ltda'
            when country in ('ES', 'MX') then ' S.A.'
            when country in ('US', 'CA') and u_name3 < 0.5 then ' Inc'
            when country in ('US', 'CA') and u_name3 < 0.7 then ' LLC'
            else ''
        end as customer_name,
        plan0,
        [
            'Software', 'Financial Services', 'Healthcare', 'Retail', 'Manufacturing',
            'Education', 'Media', 'Logistics', 'Real Estate', 'Nonprofit',
            'Telecommunications', 'Energy'
        ][1 + floor(u_industry * 12)::integer] as industry,
        country,
        -- Enterprise accounts have a named senior CSM; most starters are tech-touch (no CSM).
        case
            when plan0 = 'enterprise'
                then ['Ana Souza', 'Ben Carter', 'Chloé Martin', 'Daniel Kim', 'Eva Novak'][
                        1 + floor(u_csm * 5)::integer
                    ]
            when plan0 = 'starter' and u_has_csm < 0.6 then null
            else [
                    'Farah Haddad', 'Gabriel Silva', 'Hannah Weber', 'Ivan Petrov', 'Julia Rossi',
                    'Kenji Tanaka'
                ][1 + floor(u_csm * 6)::integer]
        end as csm_owner,
        case
            when plan0 = 'starter' then 5 + floor(u_seats * 11)
            when plan0 = 'growth' then 15 + floor(45 * pow(u_seats, 1.5))
            else 50 + floor(251 * pow(u_seats, 2))
        end::integer as seats0,
        case
            when u_new < $p_new
                then timestamp '$w0' + secs(u_created * $new_span_seconds)
            else timestamp '$w0' - interval $history_days day
                + secs(u_created * $history_seconds)
        end as created_at,
        -- Bigger customers sign annual contracts more often.
        case
            when u_term < $annual_share
                then 12
            else 1
        end as term_months,
        case
            when country in ('DE', 'FR', 'NL', 'ES', 'PT') and u_currency < 0.7 then 'EUR'
            when country = 'SE' and u_currency < 0.3 then 'EUR'
            when country = 'GB' and u_currency < 0.6 then 'GBP'
            when country = 'BR' and u_currency < 0.8 then 'BRL'
            else 'USD'
        end as currency,
        -- Negotiated discount only above starter; annual terms get 15% off on top.
        case when plan0 = 'starter' then 1.0 else 1.0 - 0.15 * u_discount end as discount,
        0.35 + 0.35 * u_adoption as adoption_base,
        z_breadth as breadth_base,
        $health_base as health_base,
        0.5 * z_trend as health_trend_per_year,
        -- How the last weeks before a churn look: a 4-8 week ramp, absent for some churners
        -- (the sudden ones: budget cut, acquisition) so that no score can be perfect.
        28 + floor(u_dip_len * 29) as dip_days,
        $dip_strength
            as dip_strength,
        $is_tracked as is_tracked,
        case
            when u_reason < 0.22 then 'price'
            when u_reason < 0.40 then 'product_fit'
            when u_reason < 0.52 then 'support'
            when u_reason < 0.68 then 'competitor'
            when u_reason < 0.88 then 'budget'
            else 'no_usage'
        end as cancellation_reason
    from shaped
)

select * from final
