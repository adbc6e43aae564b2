using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// Every API instance keeps encoded vector tiles in memory (Features/Tiles/TileCache); a change to anything a tile
    /// shows (locations, services at locations, services, organizations, categories of services, regions), however it is
    /// made (API, import, SQL), sends <c>NOTIFY referral_cache, 'tiles'</c> once per statement (PostgreSQL folds repeats
    /// within a transaction), and every instance drops its tiles. Written by hand: triggers only, the model is unchanged.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261205170000_AddTileCacheNotify")]
    public partial class AddTileCacheNotify : Migration
    {
        private static readonly string[] Tables = ["location", "service_at_location", "service", "organization", "attribute", "region"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION referral_notify_tiles() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('referral_cache', 'tiles');
                    RETURN NULL;
                END $$;
                """);
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_notify_tiles AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} " +
                    "FOR EACH STATEMENT EXECUTE FUNCTION referral_notify_tiles();");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_notify_tiles ON {table};");
            }
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS referral_notify_tiles();");
        }
    }
}
