-- Deterministic synthetic directory for the nearest benchmark (bench/README.md).
--
--   psql -v n=100000 [-v seed=20261129] [-v origins=10000] [-v rural_pct=15] [-v analyze_all=1] -f bench/generate.sql
--
-- Needs a migrated database with the demo seed loaded (`place` towns, the `CR` outline in `region`, the
-- `referral-category` taxonomy). Adds n service locations, each one service at one location of its own:
--   * (100 - rural_pct)% around a seeded Costa Rican town, the town chosen with probability proportional to its
--     population, offset by a 2-D Gaussian whose sigma grows with the town (0.6 km + sqrt(population)/100 km,
--     about 6.4 km for San José, 1 km for a town of 1,500);
--   * rural_pct% (default 15) uniformly inside the Costa Rica outline (rejection sampling in its bounding box);
--   * one referral category per service, 20% with a second one; all services active; mixed ages, genders,
--     languages, delivery modes; shelters are often `approximate` or `hidden`, like real safe houses;
--   * one organization per 1,000 services; everything `is_demo = true`, names start with "[BENCH]".
-- It also (re)creates `bench_origin`: `origins` query points drawn from the same town/rural mixture, which both
-- the wrk script (exported to a file) and the pgbench script (by row number) use as search origins.
--
-- Every random number is a hash of (seed, row number, stream) (hashint8extended), never random() or the clock:
-- the same n and seed give the same rows, ids and origins on every run and every machine.
-- Re-running first removes the previous "[BENCH]" rows, so the database holds exactly one generated set.

\set ON_ERROR_STOP on
\if :{?n}
\else
  \set n 100000
\endif
\if :{?seed}
\else
  \set seed 20261129
\endif
\if :{?origins}
\else
  \set origins 10000
\endif
\if :{?rural_pct}
\else
  \set rural_pct 15
\endif
\if :{?analyze_all}
\else
  \set analyze_all 1
\endif

SET client_min_messages = warning;
SET jit = off;                        -- the huge cost estimates below would trigger seconds of JIT compilation
SET gin_pending_list_limit = '128MB'; -- full-text and trigram GIN indexes: merge the pending list less often
SET maintenance_work_mem = '256MB';
\timing on

-- u(i, stream): a uniform number in (0, 1), a pure function of (seed, i, stream).
-- bid(kind, i): a deterministic uuid; the "referral-bench" namespace keeps them apart from the demo seed's ids.
-- (psql does not substitute variables inside function bodies, hence format() + \gexec.)
SELECT format($f$
CREATE OR REPLACE FUNCTION pg_temp.u(i bigint, stream int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((hashint8extended(i, %1$s::bigint * 1000 + stream) & 4503599627370495)::float8 + 0.5) / 4503599627370496.0 $$
$f$, :seed::bigint) \gexec
SELECT format($f$
CREATE OR REPLACE FUNCTION pg_temp.bid(kind text, i bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT md5('referral-bench:%1$s:' || kind || ':' || i::text)::uuid $$
$f$, :seed::bigint) \gexec

-- ------------------------------------------------------------------ remove the previous set ---
\echo generate: removing the previous [BENCH] rows
BEGIN;
CREATE TEMP TABLE old_service ON COMMIT DROP AS
  SELECT id FROM service WHERE is_demo AND name LIKE '[BENCH]%';
CREATE TEMP TABLE old_location ON COMMIT DROP AS
  SELECT id FROM location WHERE is_demo AND name LIKE '[BENCH]%';
DELETE FROM attribute a USING old_service o WHERE a.service_id = o.id;
DELETE FROM service_at_location x USING old_service o WHERE x.service_id = o.id;
DELETE FROM service s USING old_service o WHERE s.id = o.id;
DELETE FROM location l USING old_location o WHERE l.id = o.id;  -- addresses cascade; phones, schedules with the service
DELETE FROM organization WHERE is_demo AND name LIKE '[BENCH]%';
COMMIT;

-- ------------------------------------------------------------------------- inputs ---
-- Towns in a fixed order, with cumulative population bounds for width_bucket (binary search).
-- Towns listed without a population (0) still weigh as 500 people.
CREATE TEMP TABLE bench_town AS
SELECT row_number() OVER (ORDER BY geonames_id) AS k, name,
       ST_Y(point::geometry) AS lat, ST_X(point::geometry) AS lng,
       greatest(population, 500)::float8 AS weight,
       0.6 + sqrt(greatest(population, 500)) / 100.0 AS sigma_km
FROM place WHERE country = 'CR';

SELECT count(*) > 0 AS have_towns FROM bench_town \gset
\if :have_towns
\else
  \echo 'generate.sql: no Costa Rican towns in table place: load the seed first (dotnet run --project src/Referral.Api --no-launch-profile -- seed)'
  SELECT 1/0 AS no_towns;
\endif

CREATE TEMP TABLE bench_town_cdf AS
SELECT array_agg(c ORDER BY k) AS bounds FROM (
  SELECT k, sum(weight) OVER (ORDER BY k) / sum(weight) OVER () AS c FROM bench_town
) t WHERE k < (SELECT max(k) FROM bench_town);

-- The outline for the rural share (the seeded country polygon; the bounding box if it is missing).
CREATE TEMP TABLE bench_outline AS
SELECT coalesce((SELECT geometry::geometry FROM region WHERE code = 'CR'),
                ST_MakeEnvelope(-85.95, 8.03, -82.55, 11.22, 4326)) AS g;
CREATE TEMP TABLE bench_box AS
SELECT ST_XMin(g) AS x0, ST_XMax(g) AS x1, ST_YMin(g) AS y0, ST_YMax(g) AS y1 FROM bench_outline;

-- Categories with a realistic mix (per 100 services): health and social services are common, online reporting
-- and shelters rare. A request picks a category uniformly, so rare categories cost the KNN scan more.
CREATE TEMP TABLE bench_category AS
SELECT c.k, c.code, c.share, tt.id AS term_id
FROM (VALUES (1, 'police', 13), (2, 'helpline', 6), (3, 'legal_aid', 10), (4, 'social_services', 17),
             (5, 'health', 20), (6, 'psychosocial', 12), (7, 'shelter', 6), (8, 'online_reporting', 4),
             (9, 'justice', 12)) AS c(k, code, share)
JOIN taxonomy_term tt ON tt.code = c.code
JOIN taxonomy t ON t.id = tt.taxonomy_id AND t.name = 'referral-category';

SELECT count(*) = 9 AS all_categories FROM bench_category \gset
\if :all_categories
\else
  \echo 'generate.sql: the referral-category taxonomy is missing terms: load the seed first'
  SELECT 1/0 AS missing_categories;
\endif

CREATE TEMP TABLE bench_category_cdf AS
SELECT array_agg(c ORDER BY k) AS bounds FROM (
  SELECT k, sum(share) OVER (ORDER BY k)::float8 / sum(share) OVER () AS c FROM bench_category
) t WHERE k < 9;

-- ------------------------------------------------------------------------- points ---
-- mix(n, base): points 1..n of the town/rural mixture; uses streams base .. base+49.
CREATE OR REPLACE FUNCTION pg_temp.mix(n bigint, base int, rural_pct float8)
RETURNS TABLE (i bigint, lat float8, lng float8, town text)
LANGUAGE sql STABLE AS
$$
  WITH g AS (
    SELECT g.i, pg_temp.u(g.i, base) * 100 < rural_pct AS rural FROM generate_series(1, n) AS g(i)
  )
  SELECT g.i,
         t.lat + (t.sigma_km * r.r * sin(r.a)) / 110.574,
         t.lng + (t.sigma_km * r.r * cos(r.a)) / (111.320 * cos(radians(t.lat))),
         t.name
  FROM g
  CROSS JOIN LATERAL (SELECT sqrt(-2.0 * ln(pg_temp.u(g.i, base + 2))) AS r,
                             2.0 * pi() * pg_temp.u(g.i, base + 3) AS a,
                             1 + width_bucket(pg_temp.u(g.i, base + 1), (SELECT bounds FROM bench_town_cdf)) AS k) r
  JOIN bench_town t ON t.k = r.k
  WHERE NOT g.rural
  UNION ALL
  SELECT g.i, coalesce(ST_Y(c.p), (y0 + y1) / 2), coalesce(ST_X(c.p), (x0 + x1) / 2), NULL
  FROM g
  CROSS JOIN bench_box
  LEFT JOIN LATERAL (
    SELECT q.p FROM (
      SELECT j, ST_SetSRID(ST_MakePoint(x0 + (x1 - x0) * pg_temp.u(g.i, base + 10 + 2 * j),
                                        y0 + (y1 - y0) * pg_temp.u(g.i, base + 11 + 2 * j)), 4326) AS p
      FROM generate_series(0, 19) AS j
    ) q
    WHERE ST_Intersects((SELECT o.g FROM bench_outline o), q.p)
    ORDER BY q.j LIMIT 1
  ) c ON true
  WHERE g.rural
$$;

\echo generate: drawing :n points and attributes
CREATE TEMP TABLE bench_row AS
SELECT p.i AS i,
       p.lat, p.lng, p.town,
       c1.k AS cat1, c1.code AS code1, c1.term_id AS term1,
       -- 20% have a second, different category
       CASE WHEN pg_temp.u(p.i, 101) < 0.20 THEN 1 + (c1.k + floor(pg_temp.u(p.i, 102) * 8)::int) % 9 END AS cat2,
       pg_temp.u(p.i, 103) AS uv, pg_temp.u(p.i, 104) AS ua, pg_temp.u(p.i, 105) AS ug,
       pg_temp.u(p.i, 106) AS ul, pg_temp.u(p.i, 107) AS um, pg_temp.u(p.i, 108) AS uf,
       pg_temp.u(p.i, 109) AS uh, pg_temp.u(p.i, 110) AS ut, pg_temp.u(p.i, 111) AS us,
       CASE WHEN c1.code IN ('police', 'helpline') THEN pg_temp.u(p.i, 112) < 0.60
            ELSE pg_temp.u(p.i, 112) < 0.08 END AS is247
FROM pg_temp.mix(:n, 0, :rural_pct) AS p
JOIN bench_category c1 ON c1.k = 1 + width_bucket(pg_temp.u(p.i, 100), (SELECT bounds FROM bench_category_cdf));

-- ------------------------------------------------------------------------- insert ---
-- Bulk-load practice, all in one transaction (an error rolls everything back, indexes included): drop the
-- secondary indexes of the tables we fill, insert, rebuild them from their saved definitions. Building a GIN or
-- GiST index once is several times faster than maintaining it row by row. Primary keys stay (foreign keys use them).
BEGIN;
CREATE TEMP TABLE bench_index ON COMMIT DROP AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
WHERE i.indrelid IN ('organization'::regclass, 'location'::regclass, 'address'::regclass, 'service'::regclass,
                     'phone'::regclass, 'schedule'::regclass, 'service_at_location'::regclass, 'attribute'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM bench_index ORDER BY name \gexec
-- Foreign keys are right by construction (same bid() on both sides): a superuser skips their per-row triggers.
SELECT rolsuper AS bench_superuser FROM pg_roles WHERE rolname = current_user \gset
\if :bench_superuser
  SET LOCAL session_replication_role = replica;
\endif

\echo generate: organizations
INSERT INTO organization (id, name, description, is_demo, last_modified)
SELECT pg_temp.bid('organization', o), format('[BENCH] Organization %s', o),
       'Synthetic organization for the nearest benchmark (bench/generate.sql).', true,
       timestamptz '2026-01-01 00:00:00+00'
FROM generate_series(1, (:n::bigint + 999) / 1000) AS o;

\echo generate: locations
INSERT INTO location (id, organization_id, name, location_type, point, visibility, is_demo, last_modified)
SELECT pg_temp.bid('location', r.i), pg_temp.bid('organization', (r.i - 1) / 1000 + 1),
       format('[BENCH] %s site %s', coalesce(r.town, 'Rural'), r.i),
       'physical',
       ST_SetSRID(ST_MakePoint(r.lng, r.lat), 4326)::geography,
       CASE WHEN r.code1 = 'shelter' THEN
              CASE WHEN r.uv < 0.40 THEN 'approximate' WHEN r.uv < 0.60 THEN 'hidden' ELSE 'public' END
            ELSE
              CASE WHEN r.uv < 0.03 THEN 'approximate' WHEN r.uv < 0.035 THEN 'hidden' ELSE 'public' END
       END,
       true,
       timestamptz '2026-01-01 00:00:00+00' - make_interval(days => floor(r.ut * 365)::int)
FROM bench_row r;

\echo generate: services
INSERT INTO service (id, organization_id, name, description, status, minimum_age, maximum_age, genders, delivery_modes,
                     languages, audience, platforms, is_free, available_24_7, is_demo, last_modified)
SELECT pg_temp.bid('service', r.i), pg_temp.bid('organization', (r.i - 1) / 1000 + 1),
       format('[BENCH] %s %s %s', initcap(replace(r.code1, '_', ' ')), coalesce(r.town, 'rural'), r.i),
       format('Servicio de %s para niñas, niños y adolescentes, cerca de %s.',
              replace(r.code1, '_', ' '), coalesce(r.town, 'zona rural')),
       'active',
       CASE WHEN r.ua < 0.40 THEN NULL WHEN r.ua < 0.70 THEN 0 WHEN r.ua < 0.80 THEN 0 WHEN r.ua < 0.90 THEN 12 ELSE 0 END,
       CASE WHEN r.ua < 0.40 THEN NULL WHEN r.ua < 0.70 THEN 17 WHEN r.ua < 0.80 THEN 12 WHEN r.ua < 0.90 THEN 17 ELSE 120 END,
       CASE WHEN r.ug < 0.85 THEN ARRAY['any'] WHEN r.ug < 0.95 THEN ARRAY['female'] ELSE ARRAY['male'] END,
       array_remove(ARRAY['in_person',
                          CASE WHEN r.um < 0.70 THEN 'phone' END,
                          CASE WHEN r.um < 0.30 THEN 'whatsapp' END,
                          CASE WHEN r.um >= 0.85 THEN 'outreach' END,
                          CASE WHEN r.code1 IN ('helpline', 'online_reporting') THEN 'chat' END,
                          CASE WHEN r.code1 = 'online_reporting' THEN 'online_form' END], NULL),
       CASE WHEN r.ul < 0.70 THEN ARRAY['es'] WHEN r.ul < 0.92 THEN ARRAY['es', 'en']
            WHEN r.ul < 0.97 THEN ARRAY['es', 'bzd'] ELSE ARRAY['es', 'cjp'] END,
       CASE WHEN r.uh < 0.80 THEN ARRAY['child', 'caregiver'] WHEN r.uh < 0.95 THEN ARRAY['child']
            ELSE ARRAY['professional'] END,
       CASE WHEN r.code1 = 'online_reporting' THEN ARRAY['facebook', 'whatsapp', 'tiktok', 'instagram'] ELSE ARRAY[]::text[] END,
       CASE WHEN r.uf < 0.85 THEN true WHEN r.uf < 0.90 THEN NULL ELSE false END,
       r.is247,
       true,
       timestamptz '2026-01-01 00:00:00+00' - make_interval(days => floor(r.ut * 365)::int)
FROM bench_row r;

\echo generate: service_at_location
INSERT INTO service_at_location (id, service_id, location_id)
SELECT pg_temp.bid('service_at_location', r.i), pg_temp.bid('service', r.i), pg_temp.bid('location', r.i)
FROM bench_row r;

\echo generate: attributes (categories)
INSERT INTO attribute (id, service_id, taxonomy_term_id)
SELECT pg_temp.bid('attribute1', r.i), pg_temp.bid('service', r.i), r.term1 FROM bench_row r
UNION ALL
SELECT pg_temp.bid('attribute2', r.i), pg_temp.bid('service', r.i), c.term_id
FROM bench_row r JOIN bench_category c ON c.k = r.cat2;

-- What a real record carries and the API loads with it: a street address, phones, opening hours.
\echo generate: addresses
INSERT INTO address (id, location_id, address_1, city, state_province, country, address_type)
SELECT pg_temp.bid('address', r.i), pg_temp.bid('location', r.i),
       format('Calle %s, %s m al %s de la plaza', 1 + (r.i % 40), 100 * (1 + (r.i % 5)),
              (ARRAY['norte', 'sur', 'este', 'oeste'])[1 + (r.i % 4)]),
       coalesce(r.town, 'Zona rural'), NULL, 'CR', 'physical'
FROM bench_row r;

\echo generate: phones
INSERT INTO phone (id, service_id, number, type, description, languages)
SELECT pg_temp.bid('phone1', r.i), pg_temp.bid('service', r.i), format('+506%s', 20000000 + r.i % 70000000),
       'voice', 'Línea principal', ARRAY['es']
FROM bench_row r
UNION ALL
SELECT pg_temp.bid('phone2', r.i), pg_temp.bid('service', r.i), format('+506%s', 80000000 + r.i % 10000000),
       'whatsapp', 'WhatsApp', ARRAY['es']
FROM bench_row r WHERE r.um < 0.30;

-- 24/7 services need no hours; of the others 85% have weekday hours (a third also Saturday morning), the rest none.
\echo generate: schedules
INSERT INTO schedule (id, service_id, byday, opens_at, closes_at, time_zone, description)
SELECT pg_temp.bid('schedule1', r.i), pg_temp.bid('service', r.i), 'MO,TU,WE,TH,FR',
       time '07:00' + make_interval(mins => 30 * floor(r.us * 4)::int), time '16:00', 'America/Costa_Rica',
       'Lunes a viernes'
FROM bench_row r
WHERE NOT r.is247 AND r.us < 0.85
UNION ALL
SELECT pg_temp.bid('schedule2', r.i), pg_temp.bid('service', r.i), 'SA', time '08:00', time '12:00',
       'America/Costa_Rica', 'Sábados'
FROM bench_row r
WHERE NOT r.is247 AND r.us < 0.28;

\echo generate: rebuilding indexes
SELECT def FROM bench_index ORDER BY name \gexec

COMMIT;

-- The rows went in with the change-recording triggers off (replica role above, or a superuser's load): record what a
-- bulk import records (src/Referral.Api/Features/Imports/IndexRebuild.cs) so that the read tables kept from them
-- describe the generated directory: the OGC items' public features rebuilt now, every tile cell (and so every stored
-- tile) recounted at the next tile request, the nearest index reloaded. A tree without one of them skips it.
\echo generate: read tables (OGC items, tile cells, nearest changes)
SELECT to_regclass('ogc_feature_dirty') IS NOT NULL AS bench_has_ogc, to_regclass('tile_cell_dirty') IS NOT NULL AS bench_has_tiles,
       to_regclass('nearest_change') IS NOT NULL AS bench_has_nearest \gset
\if :bench_has_ogc
SELECT ogc_service_features_rebuild();
\endif
\if :bench_has_tiles
INSERT INTO tile_cell_dirty (cell) VALUES (-1);
\endif
\if :bench_has_nearest
INSERT INTO nearest_change (kind) VALUES ('*');
\endif

-- ------------------------------------------------------------------------ origins ---
-- Query origins: where people search from, i.e. the same town/rural mixture (other streams).
\echo generate: :origins search origins
DROP TABLE IF EXISTS bench_origin;
CREATE TABLE bench_origin (id int PRIMARY KEY, lat float8 NOT NULL, lng float8 NOT NULL);
INSERT INTO bench_origin (id, lat, lng)
SELECT p.i, round(p.lat::numeric, 5), round(p.lng::numeric, 5)
FROM pg_temp.mix(:origins, 500, :rural_pct) AS p;
COMMENT ON TABLE bench_origin IS 'Search origins of the nearest benchmark (bench/generate.sql); not part of the application schema.';

-- VACUUM too: sets hint bits and the visibility map, as on a directory that has been running for a while.
\echo generate: vacuum analyze
VACUUM (ANALYZE) organization;
VACUUM (ANALYZE) location;
VACUUM (ANALYZE) address;
VACUUM (ANALYZE) service;
VACUUM (ANALYZE) phone;
VACUUM (ANALYZE) schedule;
VACUUM (ANALYZE) service_at_location;
VACUUM (ANALYZE) attribute;
VACUUM (ANALYZE) bench_origin;
-- And statistics for every table, as after any bulk load. Without this the tiny lookup tables the nearest query
-- joins (taxonomy, taxonomy_term: 1 and 9 rows, never enough changes for autovacuum to analyze them) have none,
-- and the planner may drop the KNN index order for "all services of the category, then sort" (bench/README.md).
-- -v analyze_all=0 keeps that state.
\if :analyze_all
ANALYZE;
\endif
-- A second pass marks the pages the first could not (an autovacuum ANALYZE that started before our insert
-- committed holds the horizon back); it only reads pages that are not all-visible yet.
VACUUM organization, location, address, service, phone, schedule, service_at_location, attribute;

\timing off
SELECT count(*) AS bench_services,
       count(*) FILTER (WHERE l.visibility = 'public') AS public_locations,
       count(*) FILTER (WHERE l.name LIKE '[BENCH] Rural%') AS rural
FROM service s
JOIN service_at_location x ON x.service_id = s.id
JOIN location l ON l.id = x.location_id
WHERE s.is_demo AND s.name LIKE '[BENCH]%';
