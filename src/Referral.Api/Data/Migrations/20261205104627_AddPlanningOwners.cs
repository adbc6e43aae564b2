using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddPlanningOwners : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_api_key_role",
                table: "api_key");

            migrationBuilder.AddCheckConstraint(
                name: "ck_api_key_role",
                table: "api_key",
                sql: "role IN ('caseworker', 'editor', 'planner', 'admin')");

            migrationBuilder.AddColumn<string>(
                name: "owner_actor",
                table: "gap_analysis",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "owner_organization_id",
                table: "gap_analysis",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "owner_actor",
                table: "demand_dataset",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "owner_organization_id",
                table: "demand_dataset",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_api_key_role",
                table: "api_key");

            migrationBuilder.AddCheckConstraint(
                name: "ck_api_key_role",
                table: "api_key",
                sql: "role IN ('caseworker', 'editor', 'admin')");

            migrationBuilder.DropColumn(
                name: "owner_actor",
                table: "gap_analysis");

            migrationBuilder.DropColumn(
                name: "owner_organization_id",
                table: "gap_analysis");

            migrationBuilder.DropColumn(
                name: "owner_actor",
                table: "demand_dataset");

            migrationBuilder.DropColumn(
                name: "owner_organization_id",
                table: "demand_dataset");
        }
    }
}
