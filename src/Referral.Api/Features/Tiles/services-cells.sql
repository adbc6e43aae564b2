-- A services tile below zoom 13 (TileQueries.ServicesCellsSql; bench/ogc/run.sh times this very file, its parameters
-- written in): one feature per 1/64-tile grid cell at the cell's centre, read from the pre-aggregated tile_cell
-- (migrations AddTileCells and AddTileCellAttributes, kept by tile_cells_refresh() before the tile is built), with the
-- cells of the tile and the ring of cells around it (centres inside the tile's buffer). A cell holding one service
-- carries that service's attributes, kept on its tile_cell row (no join at tile time); a larger one its count only.
-- Cells count public points only, so none counts or reveals a hidden place.
-- Parameters: @z, @x, @y (the tile), @extent (4096), @cells (cells per tile side, 64), @grid (tile units per cell, 64).
SELECT ST_AsMVT(t, 'services', @extent, 'geom') FROM (
    SELECT ST_Point((c.cx - @x * @cells) * @grid + @grid / 2, (c.cy - @y * @cells) * @grid + @grid / 2) AS geom, c.point_count,
           c.categories, c.service_at_location_id::text AS id, c.service_id::text AS service_id, c.service_name,
           c.organization_id::text AS organization_id, c.organization_name, c.status, c.languages, c.minimum_age, c.maximum_age,
           c.visibility, c.visibility <> 'public' AS approximate
    FROM tile_cell c
    WHERE c.z = @z
      AND c.cx BETWEEN @x * @cells - 1 AND @x * @cells + @cells
      AND c.cy BETWEEN @y * @cells - 1 AND @y * @cells + @cells
) t
