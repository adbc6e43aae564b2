using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class ScaleOutJobClaimsAndNotify : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "attempts",
                table: "placement",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "claimed_by",
                table: "placement",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "lease_until",
                table: "placement",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "owner_actor",
                table: "placement",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "owner_organization_id",
                table: "placement",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "attempts",
                table: "gap_analysis",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "claimed_by",
                table: "gap_analysis",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "lease_until",
                table: "gap_analysis",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_placement_status_created_at",
                table: "placement",
                columns: new[] { "status", "created_at" },
                filter: "status IN ('queued', 'running')");

            migrationBuilder.CreateIndex(
                name: "ix_gap_analysis_status_created_at",
                table: "gap_analysis",
                columns: new[] { "status", "created_at" },
                filter: "status IN ('queued', 'running')");

            // Jobs a previous version left running (no lease): expired at once, so a worker resumes each exactly once.
            migrationBuilder.Sql("UPDATE gap_analysis SET lease_until = now(), attempts = 1 WHERE status = 'running'; " +
                "UPDATE placement SET lease_until = now(), attempts = 1 WHERE status = 'running';");

            // Every API instance drops its cached category catalog when the terms change, whoever changed them and
            // however (API, import, SQL): DbNotifications listens on referral_cache.
            migrationBuilder.Sql("""
                CREATE FUNCTION referral_notify_categories() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('referral_cache', 'categories');
                    RETURN NULL;
                END $$;
                CREATE TRIGGER taxonomy_term_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON taxonomy_term
                    FOR EACH STATEMENT EXECUTE FUNCTION referral_notify_categories();
                CREATE TRIGGER taxonomy_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON taxonomy
                    FOR EACH STATEMENT EXECUTE FUNCTION referral_notify_categories();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS taxonomy_term_notify ON taxonomy_term;
                DROP TRIGGER IF EXISTS taxonomy_notify ON taxonomy;
                DROP FUNCTION IF EXISTS referral_notify_categories();
                """);

            migrationBuilder.DropIndex(
                name: "ix_placement_status_created_at",
                table: "placement");

            migrationBuilder.DropIndex(
                name: "ix_gap_analysis_status_created_at",
                table: "gap_analysis");

            migrationBuilder.DropColumn(
                name: "attempts",
                table: "placement");

            migrationBuilder.DropColumn(
                name: "claimed_by",
                table: "placement");

            migrationBuilder.DropColumn(
                name: "lease_until",
                table: "placement");

            migrationBuilder.DropColumn(
                name: "owner_actor",
                table: "placement");

            migrationBuilder.DropColumn(
                name: "owner_organization_id",
                table: "placement");

            migrationBuilder.DropColumn(
                name: "attempts",
                table: "gap_analysis");

            migrationBuilder.DropColumn(
                name: "claimed_by",
                table: "gap_analysis");

            migrationBuilder.DropColumn(
                name: "lease_until",
                table: "gap_analysis");
        }
    }
}
