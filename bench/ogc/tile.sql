-- The bare PostGIS query behind GET /tiles/services/10/272/483.mvt (San José): ST_AsMVT of the same rows, merged per
-- 1/64-tile cell as the API does below zoom 13, with the count only (the API's tile adds the attributes of each cell
-- that holds one service).
WITH env AS (SELECT ST_TileEnvelope(10, 272, 483) AS m, ST_Transform(ST_TileEnvelope(10, 272, 483, margin => 64.0 / 4096), 4326) AS box),
rows AS (
    SELECT ST_AsMVTGeom(ST_Transform(l.public_point::geometry, 3857), env.m, 4096, 64, true) AS geom
    FROM env, service_at_location sal
    JOIN location l ON l.id = sal.location_id
    WHERE l.public_point IS NOT NULL AND l.public_point::geometry && env.box
)
SELECT length(ST_AsMVT(t, 'services', 4096, 'geom'))
FROM (SELECT ST_SnapToGrid(geom, 64) AS geom, count(*)::int AS point_count FROM rows WHERE geom IS NOT NULL GROUP BY 1) t;
