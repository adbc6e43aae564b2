using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddPlacements : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "placement",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    dataset_id = table.Column<Guid>(type: "uuid", nullable: false),
                    gap_analysis_id = table.Column<Guid>(type: "uuid", nullable: true),
                    status = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    progress_percent = table.Column<int>(type: "integer", nullable: false),
                    stage = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    input_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    options = table.Column<string>(type: "jsonb", nullable: false),
                    dataset_version = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    error = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    results = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_placement", x => x.id);
                    table.CheckConstraint("ck_placement_progress", "progress_percent BETWEEN 0 AND 100");
                    table.CheckConstraint("ck_placement_status", "status IN ('queued', 'running', 'succeeded', 'failed')");
                    table.ForeignKey(
                        name: "fk_placement_demand_dataset_dataset_id",
                        column: x => x.dataset_id,
                        principalTable: "demand_dataset",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_placement_gap_analysis_gap_analysis_id",
                        column: x => x.gap_analysis_id,
                        principalTable: "gap_analysis",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "ix_placement_created_at",
                table: "placement",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_placement_dataset_id",
                table: "placement",
                column: "dataset_id");

            migrationBuilder.CreateIndex(
                name: "ix_placement_gap_analysis_id",
                table: "placement",
                column: "gap_analysis_id");

            migrationBuilder.CreateIndex(
                name: "ix_placement_input_hash_created_at",
                table: "placement",
                columns: new[] { "input_hash", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "placement");
        }
    }
}
