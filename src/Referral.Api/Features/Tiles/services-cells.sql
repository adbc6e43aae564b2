-- A services tile below zoom 13 (TileQueries.ServicesCellsSql; bench/ogc/run.sh times this very file, its parameters
-- written in): one feature per 1/64-tile grid cell at the cell's centre, read from the pre-aggregated tile_cell
-- (migration AddTileCells, counted by tile_cells_refresh() before the tile is built), with the cells of the tile and
-- the ring of cells around it (centres inside the tile's buffer). A cell holding one service carries that service's
-- attributes; a larger one its count only. Cells count public points only, so none counts or reveals a hidden place.
-- Parameters: @z, @x, @y (the tile), @extent (4096), @cells (cells per tile side, 64), @grid (tile units per cell, 64.0).
SELECT ST_AsMVT(t, 'services', @extent, 'geom') FROM (
    SELECT ST_Point((c.cx - @x * @cells) * @grid + @grid / 2, (c.cy - @y * @cells) * @grid + @grid / 2) AS geom, c.point_count,
           (SELECT string_agg(tt.code, ',' ORDER BY tt.code) FROM attribute a
              JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id JOIN taxonomy tx ON tx.id = tt.taxonomy_id
            WHERE a.service_id = s.id AND tx.name = 'referral-category') AS categories,
           one.id::text AS id, s.id::text AS service_id, s.name AS service_name, o.id::text AS organization_id,
           o.name AS organization_name, s.status, array_to_string(s.languages, ',') AS languages, s.minimum_age, s.maximum_age,
           l.visibility, l.visibility <> 'public' AS approximate
    FROM tile_cell c
    LEFT JOIN service_at_location one ON one.id = c.service_at_location_id
    LEFT JOIN service s ON s.id = one.service_id
    LEFT JOIN organization o ON o.id = s.organization_id
    LEFT JOIN location l ON l.id = one.location_id
    WHERE c.z = @z
      AND c.cx BETWEEN @x * @cells - 1 AND @x * @cells + @cells
      AND c.cy BETWEEN @y * @cells - 1 AND @y * @cells + @cells
) t
