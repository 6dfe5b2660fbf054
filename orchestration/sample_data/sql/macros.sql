-- Pseudo-random helpers keyed on (seed, salt, keys) so every draw is reproducible.
--
-- hash() of several values XORs in the hash of the last one unmixed: two salts with the
-- same keys would differ by a constant per customer, so draws meant to be independent (a
-- late invoice, a failed one, a churn, a walk shock in the same week) would move together
-- (|correlation| 0.74 on average within a customer). Hashing again mixes every bit.
create macro hbits(salt, a, b) as hash(hash($seed::bigint, salt, a::bigint, b::bigint));
create macro rnd(salt, a, b) as (hbits(salt, a, b) >> 11)::double / 9007199254740992.0;
-- Box-Muller on two independent uniforms; 1 - u keeps ln() away from zero.
create macro nrm(salt, a, b) as
sqrt(-2 * ln(1 - rnd(salt || '#1', a, b))) * cos(2 * pi() * rnd(salt || '#2', a, b));
-- One hash yields three 21-bit uniforms (ubit): usage events are the bulk, so hash less.
create macro ubit(h, part) as
((h >> (21 * part)::ubigint) & 2097151::ubigint)::double / 2097152.0;
create macro cid(n) as 'C' || lpad(n::varchar, $width, '0');
create macro clamp(x, lo, hi) as least(greatest(x, lo), hi);
create macro sigmoid(x) as 1 / (1 + exp(-x));
create macro secs(x) as to_seconds(floor(x)::bigint);
create macro week_of(ts) as floor(date_diff('day', date '$w0', ts::date) / 7)::integer;
