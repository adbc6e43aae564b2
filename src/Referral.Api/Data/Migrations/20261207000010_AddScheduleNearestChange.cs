using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// The nearest index evaluates open-now in memory (issue 15), so it holds every active service's schedules: a write to
    /// <c>schedule</c> records its service (kind 's') in <c>nearest_change</c> and notifies, like the tables of
    /// AddNearestChangeLog (same trigger function); so does an inserted service (its facts are held for remote channels,
    /// which need no service at location). Written by hand: triggers outside the EF model, no designer file.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261207000010_AddScheduleNearestChange")]
    public partial class AddScheduleNearestChange : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TRIGGER schedule_nearest_insert AFTER INSERT ON schedule REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed('s', 'service_id');
                CREATE TRIGGER schedule_nearest_update AFTER UPDATE ON schedule REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed('s', 'service_id');
                CREATE TRIGGER schedule_nearest_delete AFTER DELETE ON schedule REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed('s', 'service_id');
                CREATE TRIGGER schedule_nearest_truncate AFTER TRUNCATE ON schedule
                    FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed('s', 'service_id');
                CREATE TRIGGER service_nearest_insert AFTER INSERT ON service REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed('s', 'id');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS schedule_nearest_insert ON schedule; DROP TRIGGER IF EXISTS schedule_nearest_update ON schedule;
                DROP TRIGGER IF EXISTS schedule_nearest_delete ON schedule; DROP TRIGGER IF EXISTS schedule_nearest_truncate ON schedule;
                DROP TRIGGER IF EXISTS service_nearest_insert ON service;
                """);
        }
    }
}
