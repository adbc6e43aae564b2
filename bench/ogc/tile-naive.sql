-- For context only (not the API's tile): the naive z10 tile of San José, every public point of the tile as its own
-- feature with its attributes (TileQueries.ServicesSql, what the API serves from zoom 13), as ST_AsMVT builds it.
-- At 100k–1M services this is what clustering avoids: hundreds of kB and seconds per tile.
WITH env AS (SELECT ST_TileEnvelope(10, 272, 483) AS m, ST_Transform(ST_TileEnvelope(10, 272, 483, margin => 64.0 / 4096), 4326) AS box),
rows AS (
    SELECT ST_AsMVTGeom(ST_Transform(l.public_point::geometry, 3857), env.m, 4096, 64, true) AS geom,
           sal.id::text AS id, s.id::text AS service_id, s.name AS service_name, o.id::text AS organization_id, o.name AS organization_name,
           s.status,
           (SELECT string_agg(t.code, ',' ORDER BY t.code) FROM attribute a
              JOIN taxonomy_term t ON t.id = a.taxonomy_term_id JOIN taxonomy tx ON tx.id = t.taxonomy_id
            WHERE a.service_id = s.id AND tx.name = 'referral-category') AS categories,
           array_to_string(s.languages, ',') AS languages, s.minimum_age, s.maximum_age,
           l.visibility, l.visibility <> 'public' AS approximate
    FROM env, service_at_location sal
    JOIN location l ON l.id = sal.location_id
    JOIN service s ON s.id = sal.service_id
    JOIN organization o ON o.id = s.organization_id
    WHERE l.public_point IS NOT NULL AND l.public_point::geometry && env.box
)
SELECT length(ST_AsMVT(t, 'services', 4096, 'geom')) FROM (SELECT rows.*, 1 AS point_count FROM rows WHERE geom IS NOT NULL) t;
