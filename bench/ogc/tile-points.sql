-- For context only (the API's statement before the pre-aggregated cells of migration AddTileCells): the z10 tile of
-- San José clustered on the fly, every public point of the tile read and merged per 1/64-tile grid cell (rounded to
-- the nearest grid line, as the API did then), the attributes read only for a cell that holds one service. Timed once
-- per run with psql: what a tile would cost without tile_cell.
WITH env AS (
    SELECT ST_XMin(e) AS x0, ST_YMax(e) AS y1, ST_XMax(e) - ST_XMin(e) AS w,
           ST_Transform(ST_TileEnvelope(10, 272, 483, margin => 64.0 / 4096), 4326) AS box
    FROM ST_TileEnvelope(10, 272, 483) AS e),
points AS (
    SELECT sal.id,
           (ST_X(l.public_point::geometry) * 20037508.342789244 / 180 - env.x0) / env.w * 4096 AS tx,
           (env.y1 - ln(tan((90 + ST_Y(l.public_point::geometry)) * pi() / 360)) * 6378137.0) / env.w * 4096 AS ty
    FROM env, service_at_location sal JOIN location l ON l.id = sal.location_id
    WHERE l.public_point IS NOT NULL AND l.public_point::geometry && env.box
),
cells AS (
    SELECT ST_Point(round(tx / 64.0) * 64.0, round(ty / 64.0) * 64.0) AS geom, count(*)::int AS point_count, min(id::text) AS sal_id
    FROM points
    WHERE tx BETWEEN -64 AND 4096 + 64 AND ty BETWEEN -64 AND 4096 + 64
    GROUP BY round(tx / 64.0), round(ty / 64.0)
)
SELECT length(ST_AsMVT(t, 'services', 4096, 'geom')) FROM (
    SELECT c.geom, c.point_count,
           (SELECT string_agg(tt.code, ',' ORDER BY tt.code) FROM attribute a
              JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id JOIN taxonomy tx ON tx.id = tt.taxonomy_id
            WHERE a.service_id = s.id AND tx.name = 'referral-category') AS categories,
           one.id::text AS id, s.id::text AS service_id, s.name AS service_name, o.id::text AS organization_id,
           o.name AS organization_name, s.status, array_to_string(s.languages, ',') AS languages, s.minimum_age, s.maximum_age,
           l.visibility, l.visibility <> 'public' AS approximate
    FROM cells c
    LEFT JOIN service_at_location one ON c.point_count = 1 AND one.id = c.sal_id::uuid
    LEFT JOIN service s ON s.id = one.service_id
    LEFT JOIN organization o ON o.id = s.organization_id
    LEFT JOIN location l ON l.id = one.location_id
    WHERE c.geom IS NOT NULL
) t;
