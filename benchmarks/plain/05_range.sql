-- The range of days this pass scores: the whole history, or one of its ranges when the history
-- is built in several (as dbt's builds of CHS_MAX_CUSTOMER_DAYS_PER_BUILD customer-days).
-- 00_inputs.sql runs once for the whole history; this file and the ones after it once per range.
create or replace temp table score_dates as
select cast(day as date) as score_date
from generate_series(cast('${first_date}' as timestamp), cast('${last_date}' as timestamp), interval 1 day) as days (day);

-- The usage facts the usage windows of the range look back to (20_usage.sql drops them).
create or replace temp table daily_facts as
select *
from bench.${table}_usage_facts
where
    activity_date > cast('${first_date}' as date) - ${usage_lookback_days}
    and activity_date <= cast('${last_date}' as date);
