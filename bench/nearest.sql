-- pgbench script: the SQL core of GET /api/nearest?lat=..&lng=..&category=<one>&limit=k, as one statement.
--
--   pgbench -n -M extended -c16 -j2 -T20 --random-seed=42 -D k=10 -D origins=10000 -f bench/nearest.sql
--
-- Same work as the API's candidate query (Features/Referrals/NearestQueries.HitsAsync): active services in one
-- referral category (attribute -> taxonomy_term -> taxonomy 'referral-category'), at locations the public may see,
-- ordered by the GiST KNN operator on location.public_point (spherical), k * 3 + 10 candidates, each with its
-- ellipsoidal ST_Distance and service_open_at(); then re-ranked on that distance (approximate sites rounded to
-- 500 m, as the API shows them) and cut to k. It returns what a result row needs: service-at-location, service id
-- and name, location id and public point, distance, open now. What the API adds on top (region codes, remote
-- channels, loading organizations/phones/addresses/categories, JSON) is what the API/pgbench ratio measures.
--
-- Origins: row `origin` of bench_origin (written by bench/generate.sql), the same 10,000 points the wrk script
-- reads from its file; the category is one of the nine, uniformly. --random-seed makes the sequence repeatable.
-- The origin is a scalar subquery (an InitPlan parameter), so the index still orders by distance, as with a
-- bound parameter.

\set origin random(1, :origins)
\set category random(1, 9)
\set candidates :k * 3 + 10
SELECT c.service_at_location_id, c.service_id, c.service_name, c.location_id,
       ST_Y(c.public_point::geometry) AS latitude, ST_X(c.public_point::geometry) AS longitude,
       CASE WHEN c.visibility = 'approximate' THEN greatest(500, round(c.distance_m / 500) * 500)
            ELSE round(c.distance_m::numeric, 1)::float8 END AS distance_m,
       c.open_now
FROM (
    SELECT x.id AS service_at_location_id, s.id AS service_id, s.name AS service_name, l.id AS location_id,
           l.public_point, l.visibility,
           ST_Distance(l.public_point,
                       (SELECT ST_SetSRID(ST_MakePoint(o.lng, o.lat), 4326)::geography FROM bench_origin o WHERE o.id = :origin)) AS distance_m,
           service_open_at(s.id, now()) AS open_now
    FROM service s
    JOIN service_at_location x ON x.service_id = s.id
    JOIN location l ON l.id = x.location_id
    WHERE s.status = 'active'
      AND EXISTS (SELECT 1
                  FROM attribute a
                  JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
                  JOIN taxonomy tx ON tx.id = t.taxonomy_id
                  WHERE a.service_id = s.id AND tx.name = 'referral-category'
                    AND t.code = (ARRAY['police', 'helpline', 'legal_aid', 'social_services', 'health', 'psychosocial',
                                        'shelter', 'online_reporting', 'justice'])[:category])
      AND l.public_point IS NOT NULL
    ORDER BY l.public_point <->
             (SELECT ST_SetSRID(ST_MakePoint(o.lng, o.lat), 4326)::geography FROM bench_origin o WHERE o.id = :origin)
    LIMIT :candidates
) c
ORDER BY 7, c.service_at_location_id
LIMIT :k;
