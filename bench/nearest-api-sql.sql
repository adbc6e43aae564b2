-- pgbench script: every statement GET /api/nearest sends to PostgreSQL for one request, in order, without .NET.
--
--   pgbench -n -M extended -c16 -j2 -T20 --random-seed=42 -D k=10 -D origins=10000 -f bench/nearest-api-sql.sql
--
-- Where bench/nearest.sql is the one statement the answer needs, this is the SQL the endpoint actually runs
-- (copied from the EF Core command log, `Microsoft.EntityFrameworkCore.Database.Command=Information`; see
-- bench/README.md to refresh it when NearestQueries changes): the candidate query, the region lookups, the
-- remote-channel query, then the split queries that load services (organization, phones, categories) for the
-- results and for the remote channels, and the locations with their addresses. Results that .NET would carry from
-- one statement to the next (ids, region codes) are carried with \gset; each statement returns what the API's
-- does, except the candidate query, which here re-ranks and keeps k in SQL and returns the ids as arrays.
-- Comparing three runs at the same concurrency splits the API/SQL ratio in two:
--   nearest.sql -> nearest-api-sql.sql : the extra statements and round trips (database side)
--   nearest-api-sql.sql -> the API     : .NET (Kestrel, EF Core materialisation, JSON), nothing else

\set origin random(1, :origins)
\set category random(1, 9)
\set candidates :k * 3 + 10

-- 1. candidates: KNN on public_point, k * 3 + 10, distance and open-now (NearestQueries.HitsAsync)
SELECT coalesce(array_agg(h.service_id ORDER BY h.rank), '{}') AS sids,
       coalesce(array_agg(h.location_id ORDER BY h.rank), '{}') AS lids,
       coalesce(array_agg(DISTINCT h.service_id), '{}') AS exclude
FROM (
    SELECT c.*, row_number() OVER (ORDER BY c.d, c.id) AS rank
    FROM (
        SELECT s0.id, s0.service_id, s0.location_id,
               ST_Distance(l.public_point, (SELECT ST_SetSRID(ST_MakePoint(o.lng, o.lat), 4326)::geography FROM bench_origin o WHERE o.id = :origin)) AS d,
               service_open_at(s0.service_id, now()) AS open_now, l.visibility
        FROM service AS s
        INNER JOIN service_at_location AS s0 ON s.id = s0.service_id
        INNER JOIN location AS l ON s0.location_id = l.id
        WHERE s.status = 'active' AND EXISTS (
            SELECT 1
            FROM attribute AS a
            INNER JOIN taxonomy_term AS t ON a.taxonomy_term_id = t.id
            INNER JOIN taxonomy AS t0 ON t.taxonomy_id = t0.id
            WHERE s.id = a.service_id
              AND t.code = ANY (ARRAY[(ARRAY['police', 'helpline', 'legal_aid', 'social_services', 'health', 'psychosocial',
                                             'shelter', 'online_reporting', 'justice'])[:category]])
              AND t0.name = 'referral-category') AND l.public_point IS NOT NULL
        ORDER BY l.public_point <-> (SELECT ST_SetSRID(ST_MakePoint(o.lng, o.lat), 4326)::geography FROM bench_origin o WHERE o.id = :origin)
        LIMIT :candidates
    ) c
) h
WHERE h.rank <= :k
\gset

-- 2. regions covering the point (RegionCodesAtAsync)
SELECT coalesce(array_agg(DISTINCT x.code), '{}') AS region_codes
FROM (
    SELECT r.code, r.parent_code, r.level
    FROM region AS r
    WHERE r.geometry IS NOT NULL
      AND ST_Covers(r.geometry, (SELECT ST_SetSRID(ST_MakePoint(o.lng, o.lat), 4326)::geography FROM bench_origin o WHERE o.id = :origin))
) r
CROSS JOIN LATERAL (VALUES (r.code), (r.parent_code)) AS x(code)
WHERE x.code IS NOT NULL
\gset

-- 3. the nearest gazetteer town within 25 km, for admin-1 regions without an outline
SELECT p.region_code AS "RegionCode", p.country AS "Country"
FROM place AS p
WHERE p.region_code IS NOT NULL
  AND ST_DWithin(p.point, (SELECT ST_SetSRID(ST_MakePoint(o.lng, o.lat), 4326)::geography FROM bench_origin o WHERE o.id = :origin), 25000.0)
ORDER BY p.point <-> (SELECT ST_SetSRID(ST_MakePoint(o.lng, o.lat), 4326)::geography FROM bench_origin o WHERE o.id = :origin)
LIMIT 1;

-- 4. remote channels whose service area covers the point (RemoteAsync); their ids for step 8
SELECT coalesce(array_agg(r.id), '{}') AS rids FROM (
    SELECT s.id, s.alert, s.alternate_name, s.application_process, s.assured_date, s.assurer_email, s.audience, s.available_24_7, s.delivery_modes, s.description, s.eligibility_description, s.email, s.fees_description, s.genders, s.interpretation_services, s.is_demo, s.is_free, s.languages, s.last_modified, s.maximum_age, s.minimum_age, s.name, s.organization_id, s.platforms, s.search_document, s.status, s.url, s.xmin, s1.id AS area_id, s1.description AS area_description, s1.extent, s1.name AS area_name, s1.region_codes, s1.service_id, service_open_at(s.id, now()) AS "OpenNow"
    FROM service AS s
    INNER JOIN (
        SELECT s0.id, s0.description, s0.extent, s0.name, s0.region_codes, s0.service_id
        FROM service_area AS s0
        WHERE (s0.extent IS NOT NULL
               AND ST_Covers(s0.extent, (SELECT ST_SetSRID(ST_MakePoint(o.lng, o.lat), 4326)::geography FROM bench_origin o WHERE o.id = :origin)))
           OR s0.region_codes && :region_codes::text[]
    ) AS s1 ON s.id = s1.service_id
    WHERE s.status = 'active' AND EXISTS (
        SELECT 1
        FROM attribute AS a
        INNER JOIN taxonomy_term AS t ON a.taxonomy_term_id = t.id
        INNER JOIN taxonomy AS t0 ON t.taxonomy_id = t0.id
        WHERE s.id = a.service_id
          AND t.code = ANY (ARRAY[(ARRAY['police', 'helpline', 'legal_aid', 'social_services', 'health', 'psychosocial',
                                         'shelter', 'online_reporting', 'justice'])[:category]])
          AND t0.name = 'referral-category')
      AND NOT (s.id = ANY (:exclude::uuid[]) AND s.id = ANY (:exclude::uuid[]) IS NOT NULL)
    LIMIT 200
) r
\gset

-- 5-7. load the result services: service + organization, phones, categories (LoadServicesAsync, split query)
SELECT s.id, s.alert, s.alternate_name, s.application_process, s.assured_date, s.assurer_email, s.audience, s.available_24_7, s.delivery_modes, s.description, s.eligibility_description, s.email, s.fees_description, s.genders, s.interpretation_services, s.is_demo, s.is_free, s.languages, s.last_modified, s.maximum_age, s.minimum_age, s.name, s.organization_id, s.platforms, s.search_document, s.status, s.url, s.xmin, o.id, o.alternate_name, o.description, o.email, o.is_demo, o.last_modified, o.legal_status, o.name, o.xmin, o.website, o.year_incorporated
FROM service AS s
INNER JOIN organization AS o ON s.organization_id = o.id
WHERE s.id = ANY (:sids::uuid[])
ORDER BY s.id, o.id;

SELECT p.id, p.description, p.extension, p.languages, p.number, p.service_id, p.type, s.id, o.id
FROM service AS s
INNER JOIN organization AS o ON s.organization_id = o.id
INNER JOIN phone AS p ON s.id = p.service_id
WHERE s.id = ANY (:sids::uuid[])
ORDER BY s.id, o.id;

SELECT s0.id, s0.service_id, s0.taxonomy_term_id, s0.value, s0.id0, s0.code, s0.description, s0.labels, s0.name, s0.parent_id, s0.taxonomy_id, s0.term_uri, s0.id1, s0.description0, s0.name0, s0.uri, s0.version, s.id, o.id
FROM service AS s
INNER JOIN organization AS o ON s.organization_id = o.id
INNER JOIN (
    SELECT a.id, a.service_id, a.taxonomy_term_id, a.value, t.id AS id0, t.code, t.description, t.labels, t.name, t.parent_id, t.taxonomy_id, t.term_uri, t0.id AS id1, t0.description AS description0, t0.name AS name0, t0.uri, t0.version
    FROM attribute AS a
    INNER JOIN taxonomy_term AS t ON a.taxonomy_term_id = t.id
    INNER JOIN taxonomy AS t0 ON t.taxonomy_id = t0.id
) AS s0 ON s.id = s0.service_id
WHERE s.id = ANY (:sids::uuid[])
ORDER BY s.id, o.id;

-- 8-10. the same three for the remote channels
SELECT s.id, s.alert, s.alternate_name, s.application_process, s.assured_date, s.assurer_email, s.audience, s.available_24_7, s.delivery_modes, s.description, s.eligibility_description, s.email, s.fees_description, s.genders, s.interpretation_services, s.is_demo, s.is_free, s.languages, s.last_modified, s.maximum_age, s.minimum_age, s.name, s.organization_id, s.platforms, s.search_document, s.status, s.url, s.xmin, o.id, o.alternate_name, o.description, o.email, o.is_demo, o.last_modified, o.legal_status, o.name, o.xmin, o.website, o.year_incorporated
FROM service AS s
INNER JOIN organization AS o ON s.organization_id = o.id
WHERE s.id = ANY (:rids::uuid[])
ORDER BY s.id, o.id;

SELECT p.id, p.description, p.extension, p.languages, p.number, p.service_id, p.type, s.id, o.id
FROM service AS s
INNER JOIN organization AS o ON s.organization_id = o.id
INNER JOIN phone AS p ON s.id = p.service_id
WHERE s.id = ANY (:rids::uuid[])
ORDER BY s.id, o.id;

SELECT s0.id, s0.service_id, s0.taxonomy_term_id, s0.value, s0.id0, s0.code, s0.description, s0.labels, s0.name, s0.parent_id, s0.taxonomy_id, s0.term_uri, s0.id1, s0.description0, s0.name0, s0.uri, s0.version, s.id, o.id
FROM service AS s
INNER JOIN organization AS o ON s.organization_id = o.id
INNER JOIN (
    SELECT a.id, a.service_id, a.taxonomy_term_id, a.value, t.id AS id0, t.code, t.description, t.labels, t.name, t.parent_id, t.taxonomy_id, t.term_uri, t0.id AS id1, t0.description AS description0, t0.name AS name0, t0.uri, t0.version
    FROM attribute AS a
    INNER JOIN taxonomy_term AS t ON a.taxonomy_term_id = t.id
    INNER JOIN taxonomy AS t0 ON t.taxonomy_id = t0.id
) AS s0 ON s.id = s0.service_id
WHERE s.id = ANY (:rids::uuid[])
ORDER BY s.id, o.id;

-- 11. the result locations with their addresses
SELECT l.id, l.accessibility, l.alternate_name, l.description, l.is_demo, l.last_modified, l.location_type, l.name, l.organization_id, l.point, l.public_point, l.transportation, l.url, l.xmin, l.visibility, a.id, a.address_1, a.address_2, a.address_type, a.attention, a.city, a.country, a.location_id, a.postal_code, a.region, a.state_province
FROM location AS l
LEFT JOIN address AS a ON l.id = a.location_id
WHERE l.id = ANY (:lids::uuid[])
ORDER BY l.id;
