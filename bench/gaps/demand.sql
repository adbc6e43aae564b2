-- Deterministic synthetic demand dataset for the gap-analysis benchmark (bench/gaps/README.md).
--
--   psql -v n=1000000 [-v seed=20261129] [-v rural_pct=30] -f bench/gaps/demand.sql
--
-- Needs the demo seed (table place: the Costa Rican towns; region CR). Creates (or replaces) the demand dataset
-- "bench: <n> settlements": n points, (100 - rural_pct)% around a seeded town chosen with probability proportional
-- to its population (2-D Gaussian, sigma 1 km + sqrt(population)/60 km), the rest uniform in the Costa Rica outline.
-- Population 10^(1.5 + 3.5 u^2) (31 to 100,000; about 21% >= 5,000 and 4% >= 50,000), no settlement class (the
-- analysis derives it), region_code of the nearest seeded town. Every random number is a hash of
-- (seed, row, stream), so the same n and seed give the same rows on every machine.
\set ON_ERROR_STOP on
\if :{?n}
\else
  \set n 100000
\endif
\if :{?seed}
\else
  \set seed 20261129
\endif
\if :{?rural_pct}
\else
  \set rural_pct 30
\endif
SET client_min_messages = warning;
SET jit = off;

SELECT format($f$
CREATE OR REPLACE FUNCTION pg_temp.u(i bigint, stream int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((hashint8extended(i, %1$s::bigint * 1000 + 500 + stream) & 4503599627370495)::float8 + 0.5) / 4503599627370496.0 $$
$f$, :seed::bigint) \gexec

CREATE TEMP TABLE gb_town AS
SELECT row_number() OVER (ORDER BY geonames_id) AS k, ST_Y(point::geometry) AS lat, ST_X(point::geometry) AS lng,
       greatest(population, 500)::float8 AS weight, 1.0 + sqrt(greatest(population, 500)) / 60.0 AS sigma_km
FROM place WHERE country = 'CR';
CREATE TEMP TABLE gb_town_cdf AS
SELECT array_agg(c ORDER BY k) AS bounds FROM (
  SELECT k, sum(weight) OVER (ORDER BY k) / sum(weight) OVER () AS c FROM gb_town) t
WHERE k < (SELECT max(k) FROM gb_town);
CREATE TEMP TABLE gb_outline AS
SELECT coalesce((SELECT geometry::geometry FROM region WHERE code = 'CR'), ST_MakeEnvelope(-85.95, 8.03, -82.55, 11.22, 4326)) AS g;
CREATE TEMP TABLE gb_box AS SELECT ST_XMin(g) AS x0, ST_XMax(g) AS x1, ST_YMin(g) AS y0, ST_YMax(g) AS y1 FROM gb_outline;

SELECT md5('referral-gap-bench:' || :'seed' || ':' || :'n')::uuid AS dataset_id \gset
BEGIN;
DELETE FROM demand_dataset WHERE id = :'dataset_id';
INSERT INTO demand_dataset (id, name, description, source, license, is_demo, created_at)
VALUES (:'dataset_id', format('bench: %s settlements', :n), 'Synthetic settlements for bench/gaps (bench/gaps/demand.sql).',
        'bench/gaps/demand.sql', 'CC0', true, timestamptz '2026-01-01 00:00:00+00');

CREATE TEMP TABLE gb_point AS
WITH g AS (SELECT g.i, pg_temp.u(g.i, 0) * 100 < :rural_pct AS rural FROM generate_series(1, :n) AS g(i))
SELECT g.i,
       t.lat + (t.sigma_km * r.r * sin(r.a)) / 110.574 AS lat,
       t.lng + (t.sigma_km * r.r * cos(r.a)) / (111.320 * cos(radians(t.lat))) AS lng
FROM g
CROSS JOIN LATERAL (SELECT sqrt(-2.0 * ln(pg_temp.u(g.i, 2))) AS r, 2.0 * pi() * pg_temp.u(g.i, 3) AS a,
                           1 + width_bucket(pg_temp.u(g.i, 1), (SELECT bounds FROM gb_town_cdf)) AS k) r
JOIN gb_town t ON t.k = r.k
WHERE NOT g.rural
UNION ALL
SELECT g.i, coalesce(ST_Y(c.p), (y0 + y1) / 2), coalesce(ST_X(c.p), (x0 + x1) / 2)
FROM g CROSS JOIN gb_box
LEFT JOIN LATERAL (
  SELECT q.p FROM (
    SELECT j, ST_SetSRID(ST_MakePoint(x0 + (x1 - x0) * pg_temp.u(g.i, 10 + 2 * j), y0 + (y1 - y0) * pg_temp.u(g.i, 11 + 2 * j)), 4326) AS p
    FROM generate_series(0, 19) AS j) q
  WHERE ST_Intersects((SELECT o.g FROM gb_outline o), q.p)
  ORDER BY q.j LIMIT 1) c ON true
WHERE g.rural;

INSERT INTO demand_point (id, dataset_id, name, point, population, settlement_class, region_code)
SELECT md5('referral-gap-bench:' || :'seed' || ':' || :'n' || ':point:' || p.i)::uuid, :'dataset_id', format('Settlement %s', p.i),
       ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326)::geography,
       round(power(10, 1.5 + 3.5 * power(pg_temp.u(p.i, 50), 2)))::bigint,
       NULL,
       (SELECT pl.region_code FROM place pl WHERE pl.country = 'CR' AND pl.region_code IS NOT NULL
        ORDER BY pl.point <-> ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326)::geography LIMIT 1)
FROM gb_point p;
COMMIT;
ANALYZE demand_point;
SELECT :'dataset_id' AS dataset_id, count(*) AS points, sum(population) AS population FROM demand_point WHERE dataset_id = :'dataset_id';
