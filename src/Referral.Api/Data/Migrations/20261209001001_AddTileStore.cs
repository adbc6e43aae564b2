using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// Built services tiles below zoom 13 kept in the database (Features/Tiles/TileQueries): <c>tile_store</c> holds the
    /// encoded tile per tile set and z/x/y, shared by every API instance and surviving restarts, so a low-zoom tile is
    /// built once, not once per request or per instance. A tile is built from the grid cells of <c>tile_cell</c> (the
    /// tile's cells and the ring around it) and from nothing else, and cells change only in <c>tile_cells_refresh()</c>
    /// (run before any tile is read): statement triggers on <c>tile_cell</c> drop, in the refresh's own transaction,
    /// every stored tile whose cells or ring a recount changed (every stored services tile when the recount was
    /// large: a bulk import, a TRUNCATE). A tile is stored by a transaction that holds the refresh's advisory lock
    /// shared from before it reads the cells until it commits, so a refresh either committed before the build saw the
    /// cells or starts after the tile is stored and drops it. Tiles carry public geometry only (the cells count public
    /// points), the same for every caller. Written by hand: a table and triggers outside the EF model, so no designer file.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261209001001_AddTileStore")]
    public partial class AddTileStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE tile_store (
                    tile_set text NOT NULL,
                    z smallint NOT NULL,
                    x integer NOT NULL,
                    y integer NOT NULL,
                    bytes bytea NOT NULL,
                    built_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    PRIMARY KEY (tile_set, z, x, y));
                -- Encoded tiles are already compact: stored out of line without a compression attempt.
                ALTER TABLE tile_store ALTER COLUMN bytes SET STORAGE EXTERNAL;
                COMMENT ON TABLE tile_store IS 'Built services tiles below zoom 13 (empty bytes: an empty tile); dropped by the triggers on tile_cell when a covered cell changes.';

                -- The stored services tiles showing a changed cell: the cell's tile and, for a cell on a tile's edge, the
                -- neighbour whose ring holds it (a tile reads cells x * 64 - 1 … x * 64 + 64). Many cells (a full recount):
                -- every stored services tile.
                CREATE FUNCTION tile_store_drop_cells() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF (SELECT count(*) FROM changed_rows) > 20000 THEN
                        DELETE FROM tile_store WHERE tile_set = 'services';
                    ELSE
                        DELETE FROM tile_store s
                        USING (SELECT DISTINCT c.z, tx, ty FROM changed_rows c,
                                   LATERAL (VALUES ((c.cx - 1) >> 6), ((c.cx + 1) >> 6)) vx(tx),
                                   LATERAL (VALUES ((c.cy - 1) >> 6), ((c.cy + 1) >> 6)) vy(ty)) t
                        WHERE s.tile_set = 'services' AND s.z = t.z AND s.x = t.tx AND s.y = t.ty;
                    END IF;
                    RETURN NULL;
                END $$;

                -- One transition table name for the three events (the rows inserted, updated or deleted).
                CREATE TRIGGER tile_cell_store_insert AFTER INSERT ON tile_cell REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_store_drop_cells();
                CREATE TRIGGER tile_cell_store_update AFTER UPDATE ON tile_cell REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_store_drop_cells();
                CREATE TRIGGER tile_cell_store_delete AFTER DELETE ON tile_cell REFERENCING OLD TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_store_drop_cells();
                CREATE FUNCTION tile_store_drop_all() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    DELETE FROM tile_store WHERE tile_set = 'services';
                    RETURN NULL;
                END $$;
                CREATE TRIGGER tile_cell_store_truncate AFTER TRUNCATE ON tile_cell
                    FOR EACH STATEMENT EXECUTE FUNCTION tile_store_drop_all();

                -- The first tile after a write pays the refresh. At 1M services its fill of the lone cells' attributes is
                -- costed high (joins over the services) and JIT-compiled: 1.4–1.9 s for one marked cell, 0.16–0.31 s
                -- without JIT (measured under load 20), for a statement that finds a handful of rows.
                ALTER FUNCTION tile_cells_refresh() SET jit = off;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER FUNCTION tile_cells_refresh() RESET jit;
                DROP TRIGGER IF EXISTS tile_cell_store_insert ON tile_cell;
                DROP TRIGGER IF EXISTS tile_cell_store_update ON tile_cell;
                DROP TRIGGER IF EXISTS tile_cell_store_delete ON tile_cell;
                DROP TRIGGER IF EXISTS tile_cell_store_truncate ON tile_cell;
                DROP FUNCTION IF EXISTS tile_store_drop_all();
                DROP FUNCTION IF EXISTS tile_store_drop_cells();
                DROP TABLE IF EXISTS tile_store;
                """);
        }
    }
}
