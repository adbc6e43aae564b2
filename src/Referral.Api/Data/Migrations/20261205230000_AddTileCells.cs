using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// Pre-aggregated cells for the services tiles below zoom 13 (Features/Tiles/TileQueries): <c>tile_cell</c> holds, per
    /// zoom 0–12 and per 1/64-tile grid cell, how many services at a public point lie in it and, when one does, which
    /// (<c>service_at_location_id</c>). Cells nest (a cell of zoom z is four of zoom z + 1), so zoom 12 is counted from the
    /// points and each lower zoom from the zoom above. Writes never update cells: statement triggers with transition tables
    /// (set-based, one statement per written statement) record the zoom-12 cells a write may change in
    /// <c>tile_cell_dirty</c> (no unique key: a mark made by a transaction still open is never lost to a refresh running
    /// meanwhile), and <c>tile_cells_refresh()</c>, run before a tile is built, recounts those cells and their parents, or
    /// everything when the marks are many (a bulk import) or a table was truncated (mark -1). Hidden places have no public
    /// point, so no cell counts them. Written by hand: tables, functions and triggers outside the EF model.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261205230000_AddTileCells")]
    public partial class AddTileCells : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE tile_cell (
                    z smallint NOT NULL,
                    cx integer NOT NULL,
                    cy integer NOT NULL,
                    point_count integer NOT NULL,
                    service_at_location_id uuid,
                    PRIMARY KEY (z, cx, cy));
                COMMENT ON TABLE tile_cell IS 'Services tiles below zoom 13: public points per 1/64-tile cell (cx, cy from the north-west, zoom z); the one service at location when point_count = 1. Kept by tile_cells_refresh().';
                CREATE TABLE tile_cell_dirty (cell bigint NOT NULL);
                COMMENT ON TABLE tile_cell_dirty IS 'Zoom-12 cells (cx << 20 | cy) a write may have changed, or -1 (recount all); emptied by tile_cells_refresh().';

                -- The zoom-12 cell (cx << 20 | cy) of a public point; null without one or beyond Web Mercator's latitudes.
                -- Cell x = floor(tile units from the west at zoom 12 / 64) = floor((lng + 180) / 360 * 2^18), y likewise from the north.
                CREATE FUNCTION tile_cell_key(p geography) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT CASE WHEN p IS NULL OR abs(ST_Y(p::geometry)) >= 85.0511287798066 THEN NULL ELSE
                        (least(262143, greatest(0, floor((ST_X(p::geometry) + 180) / 360 * 262144)))::bigint << 20)
                        | least(262143, greatest(0, floor((1 - ln(tan(pi() / 4 + radians(ST_Y(p::geometry)) / 2)) / pi()) / 2 * 262144)))::bigint
                    END
                $$;

                -- The longitude/latitude box of a zoom-12 cell, a hair wider (points on its edges are then told apart by the key).
                CREATE FUNCTION tile_cell_box(cell bigint) RETURNS geometry LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT ST_MakeEnvelope(
                        (cell >> 20) / 262144.0 * 360 - 180 - 1e-9,
                        degrees(atan(sinh(pi() * (1 - 2 * ((cell & 1048575) + 1) / 262144.0)))) - 1e-9,
                        ((cell >> 20) + 1) / 262144.0 * 360 - 180 + 1e-9,
                        degrees(atan(sinh(pi() * (1 - 2 * (cell & 1048575) / 262144.0)))) + 1e-9, 4326)
                $$;

                CREATE FUNCTION tile_cells_refresh() RETURNS void LANGUAGE plpgsql AS $$
                DECLARE
                    keys bigint[];
                    lvl int;
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM tile_cell_dirty) THEN
                        RETURN;
                    END IF;
                    -- One refresh at a time (the second then finds nothing left to do).
                    PERFORM pg_advisory_xact_lock(1414087756);
                    WITH d AS (DELETE FROM tile_cell_dirty RETURNING cell)
                    SELECT array_agg(DISTINCT cell) INTO keys FROM d;
                    IF keys IS NULL THEN
                        RETURN;
                    END IF;
                    IF -1 = ANY (keys) OR cardinality(keys) > 20000 THEN
                        DELETE FROM tile_cell;
                        INSERT INTO tile_cell (z, cx, cy, point_count, service_at_location_id)
                        SELECT 12, (k >> 20)::int, (k & 1048575)::int, count(*), CASE WHEN count(*) = 1 THEN min(id::text)::uuid END
                        FROM (SELECT sal.id, tile_cell_key(l.public_point) AS k
                              FROM service_at_location sal JOIN location l ON l.id = sal.location_id
                              WHERE l.public_point IS NOT NULL) p
                        WHERE k IS NOT NULL
                        GROUP BY k;
                        FOR lvl IN REVERSE 11..0 LOOP
                            INSERT INTO tile_cell (z, cx, cy, point_count, service_at_location_id)
                            SELECT lvl, c.cx >> 1, c.cy >> 1, sum(c.point_count),
                                   CASE WHEN sum(c.point_count) = 1 THEN min(c.service_at_location_id::text)::uuid END
                            FROM tile_cell c WHERE c.z = lvl + 1
                            GROUP BY c.cx >> 1, c.cy >> 1;
                        END LOOP;
                        RETURN;
                    END IF;
                    DELETE FROM tile_cell t USING unnest(keys) k WHERE t.z = 12 AND t.cx = (k >> 20) AND t.cy = (k & 1048575);
                    INSERT INTO tile_cell (z, cx, cy, point_count, service_at_location_id)
                    SELECT 12, (k >> 20)::int, (k & 1048575)::int, count(*), CASE WHEN count(*) = 1 THEN min(sal.id::text)::uuid END
                    FROM unnest(keys) k
                    JOIN location l ON l.public_point::geometry && tile_cell_box(k)
                    JOIN service_at_location sal ON sal.location_id = l.id
                    WHERE l.public_point IS NOT NULL AND tile_cell_key(l.public_point) = k
                    GROUP BY k;
                    FOR lvl IN REVERSE 11..0 LOOP
                        keys := ARRAY(SELECT DISTINCT ((k >> 21) << 20) | ((k & 1048575) >> 1) FROM unnest(keys) k);
                        DELETE FROM tile_cell t USING unnest(keys) k WHERE t.z = lvl AND t.cx = (k >> 20) AND t.cy = (k & 1048575);
                        INSERT INTO tile_cell (z, cx, cy, point_count, service_at_location_id)
                        SELECT lvl, (k >> 20)::int, (k & 1048575)::int, sum(c.point_count),
                               CASE WHEN sum(c.point_count) = 1 THEN min(c.service_at_location_id::text)::uuid END
                        FROM unnest(keys) k
                        JOIN tile_cell c ON c.z = lvl + 1 AND c.cx BETWEEN 2 * (k >> 20) AND 2 * (k >> 20) + 1
                                        AND c.cy BETWEEN 2 * (k & 1048575) AND 2 * (k & 1048575) + 1
                        GROUP BY k;
                    END LOOP;
                END $$;

                -- A location's cell changes when its public point moves to another cell (point or visibility edited) or it
                -- is deleted (its services at location go with it). A new location has no service at it yet.
                CREATE FUNCTION tile_cells_mark_location() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT k FROM (
                            SELECT tile_cell_key(o.public_point) AS a, tile_cell_key(n.public_point) AS b
                            FROM old_rows o FULL JOIN new_rows n ON n.id = o.id) c,
                            LATERAL (VALUES (c.a), (c.b)) v(k)
                        WHERE c.a IS DISTINCT FROM c.b AND k IS NOT NULL;
                    ELSIF TG_OP = 'DELETE' THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT tile_cell_key(o.public_point) FROM old_rows o WHERE tile_cell_key(o.public_point) IS NOT NULL;
                    ELSE
                        INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                    END IF;
                    RETURN NULL;
                END $$;

                -- A service at location counts in its location's cell (a deleted location is marked by its own trigger).
                CREATE FUNCTION tile_cells_mark_service_at_location() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT tile_cell_key(l.public_point) FROM old_rows o JOIN location l ON l.id = o.location_id
                        WHERE tile_cell_key(l.public_point) IS NOT NULL;
                    END IF;
                    IF TG_OP IN ('UPDATE', 'INSERT') THEN
                        INSERT INTO tile_cell_dirty (cell)
                        SELECT DISTINCT tile_cell_key(l.public_point) FROM new_rows n JOIN location l ON l.id = n.location_id
                        WHERE tile_cell_key(l.public_point) IS NOT NULL;
                    END IF;
                    IF TG_OP = 'TRUNCATE' THEN
                        INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER location_tile_cells_update AFTER UPDATE ON location REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_location();
                CREATE TRIGGER location_tile_cells_delete AFTER DELETE ON location REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_location();
                CREATE TRIGGER location_tile_cells_truncate AFTER TRUNCATE ON location
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_location();
                CREATE TRIGGER service_at_location_tile_cells_insert AFTER INSERT ON service_at_location REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_service_at_location();
                CREATE TRIGGER service_at_location_tile_cells_update AFTER UPDATE ON service_at_location REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_service_at_location();
                CREATE TRIGGER service_at_location_tile_cells_delete AFTER DELETE ON service_at_location REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_service_at_location();
                CREATE TRIGGER service_at_location_tile_cells_truncate AFTER TRUNCATE ON service_at_location
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_cells_mark_service_at_location();

                -- Counted by the first tile built after this migration (or by SELECT tile_cells_refresh()).
                INSERT INTO tile_cell_dirty (cell) VALUES (-1);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS location_tile_cells_update ON location;
                DROP TRIGGER IF EXISTS location_tile_cells_delete ON location;
                DROP TRIGGER IF EXISTS location_tile_cells_truncate ON location;
                DROP TRIGGER IF EXISTS service_at_location_tile_cells_insert ON service_at_location;
                DROP TRIGGER IF EXISTS service_at_location_tile_cells_update ON service_at_location;
                DROP TRIGGER IF EXISTS service_at_location_tile_cells_delete ON service_at_location;
                DROP TRIGGER IF EXISTS service_at_location_tile_cells_truncate ON service_at_location;
                DROP FUNCTION IF EXISTS tile_cells_mark_service_at_location();
                DROP FUNCTION IF EXISTS tile_cells_mark_location();
                DROP FUNCTION IF EXISTS tile_cells_refresh();
                DROP FUNCTION IF EXISTS tile_cell_box(bigint);
                DROP FUNCTION IF EXISTS tile_cell_key(geography);
                DROP TABLE IF EXISTS tile_cell_dirty;
                DROP TABLE IF EXISTS tile_cell;
                """);
        }
    }
}
