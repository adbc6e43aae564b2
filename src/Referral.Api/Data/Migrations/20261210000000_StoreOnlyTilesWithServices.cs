using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// <c>tile_store</c> keeps only tiles with services in them (Features/Tiles/TileQueries): an empty tile stored on
    /// request let anyone, without a key, write one row per z/x/y below zoom 13 (about 22 million) by walking the
    /// addresses, so the store grew with the requests rather than with the data. Empty tiles are dropped and refused by a
    /// check; building one again is one index probe that finds no cell. Written by hand, like AddTileStore.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261210000000_StoreOnlyTilesWithServices")]
    public partial class StoreOnlyTilesWithServices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DELETE FROM tile_store WHERE length(bytes) = 0;
                ALTER TABLE tile_store ADD CONSTRAINT ck_tile_store_not_empty CHECK (length(bytes) > 0);
                COMMENT ON TABLE tile_store IS 'Built services tiles below zoom 13 with services in them (an empty tile is built again, never stored); dropped by the triggers on tile_cell when a covered cell changes.';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE tile_store DROP CONSTRAINT IF EXISTS ck_tile_store_not_empty;
                COMMENT ON TABLE tile_store IS 'Built services tiles below zoom 13 (empty bytes: an empty tile); dropped by the triggers on tile_cell when a covered cell changes.';
                """);
        }
    }
}
