using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// The in-process origin index (Features/Referrals/OriginIndex, issue 15) holds region outlines, gazetteer towns and
    /// service areas: any statement that writes one of those tables sends <c>NOTIFY referral_cache, 'origin'</c> (delivered
    /// at commit, once per transaction), and every API instance reloads them. Written by hand: a function and triggers
    /// outside the EF model.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261207003000_AddOriginNotify")]
    public partial class AddOriginNotify : Migration
    {
        private static readonly string[] Tables = ["region", "place", "service_area"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION referral_origin_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('referral_cache', 'origin');
                    RETURN NULL;
                END $$;
                """);
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_origin_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} " +
                    "FOR EACH STATEMENT EXECUTE FUNCTION referral_origin_changed();");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_origin_changed ON {table};");
            }
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS referral_origin_changed();");
        }
    }
}
