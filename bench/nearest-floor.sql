-- pgbench script: the FLOOR of GET /api/nearest — the least the database must do to find the candidates.
--
--   pgbench -n -M extended -c16 -j2 -T20 --random-seed=42 -D k=10 -D origins=10000 -f bench/nearest-floor.sql
--
-- A minimal table bench_floor (id, category, public_point), one row per public service-at-location and referral
-- category of an active service, with a GiST index on (category, public_point) (btree_gist), built by
-- bench/run-nearest.sh from the generated directory. The statement is the bare KNN: the k * 3 + 10 nearest of one
-- category, no join, no distance, no open-now, no re-rank. Same origins and category draw as bench/nearest.sql.

\set origin random(1, :origins)
\set category random(1, 9)
\set candidates :k * 3 + 10
SELECT f.id
FROM bench_floor f
WHERE f.category = (ARRAY['police', 'helpline', 'legal_aid', 'social_services', 'health', 'psychosocial',
                          'shelter', 'online_reporting', 'justice'])[:category]
ORDER BY f.public_point <->
         (SELECT ST_SetSRID(ST_MakePoint(o.lng, o.lat), 4326)::geography FROM bench_origin o WHERE o.id = :origin)
LIMIT :candidates;
