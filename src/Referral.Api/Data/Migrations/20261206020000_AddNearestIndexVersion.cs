using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// The in-process nearest index (Features/Referrals/NearestIndex, issue 15) is as fresh as the database: a change to
    /// anything it holds or the cached documents show (locations, addresses, services at locations, services, their
    /// phones, organizations, categories, country outlines), however it is made (API, import, SQL), moves the sequence
    /// <c>nearest_version</c> once per statement and sends <c>NOTIFY referral_cache, 'nearest'</c>. A request reads the
    /// sequence first and uses the index only when it was loaded at that version; otherwise it asks PostgreSQL as before
    /// and the instance reloads. The statement takes a shared transaction-scoped advisory lock
    /// (<c>NearestIndex.WriterLock</c>) so that a loader can wait for the writers in flight before it takes its snapshot.
    /// Written by hand: a sequence, a function and statement triggers; the model is unchanged. No per-row work.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261206020000_AddNearestIndexVersion")]
    public partial class AddNearestIndexVersion : Migration
    {
        private static readonly string[] Tables =
            ["location", "address", "service_at_location", "service", "phone", "organization", "attribute", "taxonomy_term", "taxonomy", "region"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE SEQUENCE nearest_version;
                CREATE FUNCTION referral_nearest_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock_shared(1515001);
                    PERFORM nextval('nearest_version');
                    PERFORM pg_notify('referral_cache', 'nearest');
                    RETURN NULL;
                END $$;
                """);
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_nearest_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} " +
                    "FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed();");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_nearest_changed ON {table};");
            }
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS referral_nearest_changed(); DROP SEQUENCE IF EXISTS nearest_version;");
        }
    }
}
