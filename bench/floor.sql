-- The floor reference of the nearest benchmark (bench/nearest-floor.sql): a minimal table with one row per public
-- service-at-location and referral category of an active service, and a GiST index on (category, public_point).
-- Run by bench/run-nearest.sh after bench/generate.sql; not part of the application schema.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS btree_gist;
DROP TABLE IF EXISTS bench_floor;
CREATE TABLE bench_floor AS
SELECT x.id, t.code AS category, l.public_point
FROM service s
JOIN service_at_location x ON x.service_id = s.id
JOIN location l ON l.id = x.location_id
JOIN attribute a ON a.service_id = s.id
JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
JOIN taxonomy tx ON tx.id = t.taxonomy_id AND tx.name = 'referral-category'
WHERE s.status = 'active' AND l.public_point IS NOT NULL;
CREATE INDEX bench_floor_knn ON bench_floor USING gist (category, public_point);
VACUUM (ANALYZE) bench_floor;
COMMENT ON TABLE bench_floor IS 'Floor reference of the nearest benchmark (bench/floor.sql); not part of the application schema.';
SELECT count(*) AS floor_rows FROM bench_floor;
