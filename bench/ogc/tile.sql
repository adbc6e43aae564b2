-- The bare PostGIS query behind GET /tiles/services/10/272/483.mvt (San José): ST_AsMVT of the same rows, with the
-- geometry and the id and name only (the API's tile adds categories, languages, ages and the organization).
WITH env AS (SELECT ST_TileEnvelope(10, 272, 483) AS m, ST_Transform(ST_TileEnvelope(10, 272, 483, margin => 64.0 / 4096), 4326) AS box),
rows AS (
    SELECT ST_AsMVTGeom(ST_Transform(l.public_point::geometry, 3857), env.m, 4096, 64, true) AS geom, sal.id::text AS id, s.name
    FROM env, service_at_location sal
    JOIN location l ON l.id = sal.location_id
    JOIN service s ON s.id = sal.service_id
    WHERE l.public_point IS NOT NULL AND l.public_point::geometry && env.box
)
SELECT length(ST_AsMVT(rows, 'services', 4096, 'geom')) FROM rows WHERE geom IS NOT NULL;
