using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddApiKeysAndSources : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "source",
                table: "service",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source_id",
                table: "service",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source",
                table: "organization",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source_id",
                table: "organization",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source",
                table: "location",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source_id",
                table: "location",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "api_key",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    role = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: true),
                    prefix = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    salt = table.Column<byte[]>(type: "bytea", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_used_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_api_key", x => x.id);
                    table.CheckConstraint("ck_api_key_role", "role IN ('caseworker', 'editor', 'admin')");
                    table.ForeignKey(
                        name: "fk_api_key_organizations_organization_id",
                        column: x => x.organization_id,
                        principalTable: "organization",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_service_source_source_id",
                table: "service",
                columns: new[] { "source", "source_id" },
                unique: true,
                filter: "source IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_organization_source_source_id",
                table: "organization",
                columns: new[] { "source", "source_id" },
                unique: true,
                filter: "source IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_location_source_source_id",
                table: "location",
                columns: new[] { "source", "source_id" },
                unique: true,
                filter: "source IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_api_key_name",
                table: "api_key",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_api_key_organization_id",
                table: "api_key",
                column: "organization_id");

            migrationBuilder.CreateIndex(
                name: "ix_api_key_prefix",
                table: "api_key",
                column: "prefix");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "api_key");

            migrationBuilder.DropIndex(
                name: "ix_service_source_source_id",
                table: "service");

            migrationBuilder.DropIndex(
                name: "ix_organization_source_source_id",
                table: "organization");

            migrationBuilder.DropIndex(
                name: "ix_location_source_source_id",
                table: "location");

            migrationBuilder.DropColumn(
                name: "source",
                table: "service");

            migrationBuilder.DropColumn(
                name: "source_id",
                table: "service");

            migrationBuilder.DropColumn(
                name: "source",
                table: "organization");

            migrationBuilder.DropColumn(
                name: "source_id",
                table: "organization");

            migrationBuilder.DropColumn(
                name: "source",
                table: "location");

            migrationBuilder.DropColumn(
                name: "source_id",
                table: "location");
        }
    }
}
