using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddGapAnalyses : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_demand_point_dataset_id",
                table: "demand_point");

            migrationBuilder.AddColumn<long>(
                name: "seq",
                table: "demand_point",
                type: "bigint",
                nullable: false,
                defaultValue: 0L)
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "updated_at",
                table: "demand_dataset",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "version",
                table: "demand_dataset",
                type: "bigint",
                nullable: false,
                defaultValue: 1L);

            migrationBuilder.CreateTable(
                name: "gap_analysis",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    dataset_id = table.Column<Guid>(type: "uuid", nullable: false),
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
                    settlements = table.Column<int>(type: "integer", nullable: true),
                    results = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_gap_analysis", x => x.id);
                    table.CheckConstraint("ck_gap_analysis_progress", "progress_percent BETWEEN 0 AND 100");
                    table.CheckConstraint("ck_gap_analysis_status", "status IN ('queued', 'running', 'succeeded', 'failed')");
                    table.ForeignKey(
                        name: "fk_gap_analysis_demand_dataset_dataset_id",
                        column: x => x.dataset_id,
                        principalTable: "demand_dataset",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "gap_cell_access",
                columns: table => new
                {
                    analysis_id = table.Column<Guid>(type: "uuid", nullable: false),
                    category = table.Column<short>(type: "smallint", nullable: false),
                    cell = table.Column<long>(type: "bigint", nullable: false),
                    part = table.Column<short>(type: "smallint", nullable: false),
                    accessibility = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_gap_cell_access", x => new { x.analysis_id, x.category, x.cell, x.part });
                    table.ForeignKey(
                        name: "fk_gap_cell_access_gap_analysis_analysis_id",
                        column: x => x.analysis_id,
                        principalTable: "gap_analysis",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "gap_point_result",
                columns: table => new
                {
                    analysis_id = table.Column<Guid>(type: "uuid", nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    demand_point_id = table.Column<Guid>(type: "uuid", nullable: false),
                    population = table.Column<long>(type: "bigint", nullable: true),
                    weight = table.Column<double>(type: "double precision", nullable: false),
                    settlement_class = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    class_source = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    region_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    cell = table.Column<long>(type: "bigint", nullable: false),
                    distance_m = table.Column<double?[]>(type: "double precision[]", nullable: false),
                    covered = table.Column<bool[]>(type: "boolean[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_gap_point_result", x => new { x.analysis_id, x.seq });
                    table.ForeignKey(
                        name: "fk_gap_point_result_gap_analysis_analysis_id",
                        column: x => x.analysis_id,
                        principalTable: "gap_analysis",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_demand_point_dataset_id_seq",
                table: "demand_point",
                columns: new[] { "dataset_id", "seq" });

            migrationBuilder.CreateIndex(
                name: "ix_gap_analysis_created_at",
                table: "gap_analysis",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_gap_analysis_dataset_id",
                table: "gap_analysis",
                column: "dataset_id");

            migrationBuilder.CreateIndex(
                name: "ix_gap_analysis_input_hash_created_at",
                table: "gap_analysis",
                columns: new[] { "input_hash", "created_at" });

            // A dataset's version moves with every change to its points, whoever writes them (the importer, the seed,
            // plain SQL), so a gap analysis's input hash notices. Statement-level triggers: one UPDATE per statement,
            // not per row, so a million-row COPY pays once. (Transition tables allow one event per trigger.)
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION demand_point_touch_dataset() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        UPDATE demand_dataset SET version = version + 1, updated_at = now() WHERE id IN (SELECT DISTINCT dataset_id FROM new_rows);
                    ELSIF TG_OP = 'DELETE' THEN
                        UPDATE demand_dataset SET version = version + 1, updated_at = now() WHERE id IN (SELECT DISTINCT dataset_id FROM old_rows);
                    ELSE
                        UPDATE demand_dataset SET version = version + 1, updated_at = now()
                        WHERE id IN (SELECT dataset_id FROM new_rows UNION SELECT dataset_id FROM old_rows);
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER demand_point_touch_dataset_insert AFTER INSERT ON demand_point
                    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION demand_point_touch_dataset();
                CREATE TRIGGER demand_point_touch_dataset_update AFTER UPDATE ON demand_point
                    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION demand_point_touch_dataset();
                CREATE TRIGGER demand_point_touch_dataset_delete AFTER DELETE ON demand_point
                    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION demand_point_touch_dataset();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS demand_point_touch_dataset_insert ON demand_point;
                DROP TRIGGER IF EXISTS demand_point_touch_dataset_update ON demand_point;
                DROP TRIGGER IF EXISTS demand_point_touch_dataset_delete ON demand_point;
                DROP FUNCTION IF EXISTS demand_point_touch_dataset();
                """);

            migrationBuilder.DropTable(
                name: "gap_cell_access");

            migrationBuilder.DropTable(
                name: "gap_point_result");

            migrationBuilder.DropTable(
                name: "gap_analysis");

            migrationBuilder.DropIndex(
                name: "ix_demand_point_dataset_id_seq",
                table: "demand_point");

            migrationBuilder.DropColumn(
                name: "seq",
                table: "demand_point");

            migrationBuilder.DropColumn(
                name: "updated_at",
                table: "demand_dataset");

            migrationBuilder.DropColumn(
                name: "version",
                table: "demand_dataset");

            migrationBuilder.CreateIndex(
                name: "ix_demand_point_dataset_id",
                table: "demand_point",
                column: "dataset_id");
        }
    }
}
