-- A services tile from zoom 13 (TileQueries.ServicesPointsSql; bench/ogc/run.sh times this very file for context, as
-- the naive z10 tile, its parameters written in): every public point of the tile (with its buffer) its own feature,
-- with the attributes of its service; hidden places have no public point, so none is in a tile.
-- Parameters: @z, @x, @y (the tile), @margin (buffer ÷ extent), @extent (4096), @buffer (64).
WITH env AS (SELECT ST_TileEnvelope(@z, @x, @y) AS m, ST_Transform(ST_TileEnvelope(@z, @x, @y, margin => @margin), 4326) AS box),
rows AS (
    SELECT ST_AsMVTGeom(ST_Transform(l.public_point::geometry, 3857), env.m, @extent, @buffer, true) AS geom,
           sal.id::text AS id, s.id::text AS service_id, s.name AS service_name, o.id::text AS organization_id, o.name AS organization_name,
           s.status,
           (SELECT string_agg(tt.code, ',' ORDER BY tt.code) FROM attribute a
              JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id JOIN taxonomy tx ON tx.id = tt.taxonomy_id
            WHERE a.service_id = s.id AND tx.name = 'referral-category') AS categories,
           array_to_string(s.languages, ',') AS languages, s.minimum_age, s.maximum_age,
           l.visibility, l.visibility <> 'public' AS approximate
    FROM env, service_at_location sal
    JOIN location l ON l.id = sal.location_id
    JOIN service s ON s.id = sal.service_id
    JOIN organization o ON o.id = s.organization_id
    WHERE l.public_point IS NOT NULL AND l.public_point::geometry && env.box
)
SELECT ST_AsMVT(t, 'services', @extent, 'geom') FROM (SELECT rows.*, 1 AS point_count FROM rows WHERE geom IS NOT NULL) t
