-- A deterministic CSV of n services for the import benchmark (bench/imports/README.md).
--
--   psql -v n=1000000 -v out=services.csv [-v seed=20261129] -f bench/imports/generate.sql
--
-- Needs a database with the demo seed loaded (the `place` towns and the `CR` outline in `region`). Writes one row per
-- service: id,name,category,latitude,longitude,phone,address,city,country — the headers the import recognises
-- without a mapping file. Positions: 85% around a Costa Rican town (chosen in proportion to its population, Gaussian
-- offset growing with the town), 15% uniformly inside the Costa Rica outline. Every random number is a hash of
-- (seed, row number, stream), so the same n and seed give the same file on every machine.

\set ON_ERROR_STOP on
\if :{?n}
\else
  \set n 1000000
\endif
\if :{?seed}
\else
  \set seed 20261129
\endif
\if :{?out}
\else
  \set out services.csv
\endif

SET client_min_messages = warning;
SET jit = off;

SELECT format($f$
CREATE OR REPLACE FUNCTION pg_temp.u(i bigint, stream int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((hashint8extended(i, %1$s::bigint * 1000 + stream) & 4503599627370495)::float8 + 0.5) / 4503599627370496.0 $$
$f$, :seed::bigint) \gexec

CREATE TEMP TABLE gen_town AS
  SELECT row_number() OVER (ORDER BY geonames_id) AS k, name, ST_Y(point::geometry) AS lat, ST_X(point::geometry) AS lng,
         greatest(population, 500) AS weight,
         sum(greatest(population, 500)) OVER (ORDER BY geonames_id) AS upper_bound,
         (0.6 + sqrt(greatest(population, 500)) / 100.0) AS sigma_km
  FROM place WHERE country = 'CR';
SELECT max(upper_bound) AS total_weight FROM gen_town \gset

CREATE TEMP TABLE gen_cr AS SELECT geometry::geometry AS g, ST_Envelope(geometry::geometry) AS box FROM region WHERE code = 'CR';

-- Rural points: candidates in the bounding box, the first one inside the outline (up to 8 tries, then the town rule).
CREATE TEMP TABLE gen_point AS
WITH base AS (
  SELECT i, pg_temp.u(i, 1) < 0.15 AS rural FROM generate_series(1, :n) AS i
), town AS (
  SELECT b.i, t.k AS town, t.name AS city,
         t.lat + sqrt(-2 * ln(pg_temp.u(b.i, 3))) * cos(2 * pi() * pg_temp.u(b.i, 4)) * t.sigma_km / 110.57 AS lat,
         t.lng + sqrt(-2 * ln(pg_temp.u(b.i, 3))) * sin(2 * pi() * pg_temp.u(b.i, 4)) * t.sigma_km / (111.32 * cos(radians(t.lat))) AS lng
  FROM base b
  JOIN gen_town t ON t.k = width_bucket(pg_temp.u(b.i, 2) * :total_weight, ARRAY(SELECT upper_bound FROM gen_town ORDER BY k)) + 1
), rural AS (
  SELECT b.i, c.lat, c.lng
  FROM base b
  CROSS JOIN gen_cr
  CROSS JOIN LATERAL (
    SELECT ST_YMin(box) + pg_temp.u(b.i, 10 + try) * (ST_YMax(box) - ST_YMin(box)) AS lat,
           ST_XMin(box) + pg_temp.u(b.i, 20 + try) * (ST_XMax(box) - ST_XMin(box)) AS lng
    FROM generate_series(0, 7) AS try
    WHERE ST_Intersects(g, ST_SetSRID(ST_MakePoint(ST_XMin(box) + pg_temp.u(b.i, 20 + try) * (ST_XMax(box) - ST_XMin(box)),
                                                   ST_YMin(box) + pg_temp.u(b.i, 10 + try) * (ST_YMax(box) - ST_YMin(box))), 4326))
    ORDER BY try LIMIT 1) c
  WHERE b.rural
)
SELECT t.i, coalesce(r.lat, t.lat) AS lat, coalesce(r.lng, t.lng) AS lng, t.town, t.city
FROM town t LEFT JOIN rural r ON r.i = t.i;

-- A Gaussian offset can land in the sea or across a border; such a point moves back to its town, so every row is valid.
UPDATE gen_point p SET lat = t.lat, lng = t.lng
FROM gen_town t, gen_cr
WHERE t.k = p.town AND NOT ST_Intersects(gen_cr.g, ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326));

\set copy_sql 'SELECT ''B'' || lpad(i::text, 7, ''0'') AS id, (ARRAY[''Unidad'', ''Oficina'', ''Centro'', ''Punto'', ''Servicio'', ''Sede'', ''Módulo'', ''Línea''])[1 + (i % 8)] || '' '' || (ARRAY[''de atención'', ''de apoyo'', ''de protección'', ''de orientación'', ''comunitario'', ''regional''])[1 + (i / 8 % 6)] || '' '' || city || '' '' || i AS name, (ARRAY[''police'', ''helpline'', ''legal_aid'', ''social_services'', ''health'', ''psychosocial'', ''shelter'', ''justice''])[1 + (i * 7 % 8)] AS category, round(lat::numeric, 6) AS latitude, round(lng::numeric, 6) AS longitude, ''+506 2'' || lpad((i % 10000000)::text, 7, ''0'') AS phone, ''Calle '' || (i % 97 + 1) || '', avenida '' || (i % 31 + 1) AS address, city, ''CR'' AS country FROM gen_point ORDER BY i'
\set copy_cmd '\\copy (' :copy_sql ') TO ' :'out' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
