using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// The origin index (Features/Referrals/OriginIndex, issue 15) gets the nearest index's freshness net: a statement
    /// that writes <c>region</c>, <c>place</c> or <c>service_area</c> records a change of kind 'g' in <c>nearest_change</c>
    /// with the writing transaction's id (pruned with the others), besides the notification of AddOriginNotify, so an
    /// instance whose notification was lost still sees the change by polling the change log. The nearest index ignores
    /// kind 'g'. No model change, so no designer file.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261208003000_RecordOriginChanges")]
    public partial class RecordOriginChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION referral_origin_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO nearest_change (kind) VALUES ('g');
                    PERFORM pg_notify('referral_cache', 'origin');
                    RETURN NULL;
                END $$;
                COMMENT ON TABLE nearest_change IS 'Ids the nearest index must reload (x service_at_location, s service, l location, o organization, * all), and changes of the origin tables (g: region, place, service_area) for the origin index, by writing transaction; pruned via nearest_prune.';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DELETE FROM nearest_change WHERE kind = 'g';
                CREATE OR REPLACE FUNCTION referral_origin_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('referral_cache', 'origin');
                    RETURN NULL;
                END $$;
                COMMENT ON TABLE nearest_change IS 'Ids the nearest index must reload (x service_at_location, s service, l location, o organization, * all), by writing transaction; pruned via nearest_prune.';
                """);
        }
    }
}
