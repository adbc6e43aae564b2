using Microsoft.EntityFrameworkCore.Migrations;
using NetTopologySuite.Geometries;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class RefineApproximatePoint : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<Point>(
                name: "public_point",
                table: "location",
                type: "geography (point, 4326)",
                nullable: true,
                computedColumnSql: "CASE visibility\n    WHEN 'public' THEN point\n    WHEN 'approximate' THEN ST_SetSRID(ST_MakePoint(\n        floor(ST_X(point::geometry) / 0.05) * 0.05 + 0.025,\n        floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025\n        + CASE WHEN power((ST_X(point::geometry) - (floor(ST_X(point::geometry) / 0.05) * 0.05 + 0.025)) * 111320 * cos(radians(ST_Y(point::geometry))), 2)\n                  + power((ST_Y(point::geometry) - (floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025)) * 110574, 2) < 1500 * 1500\n               THEN CASE WHEN ST_Y(point::geometry) >= floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025 THEN -0.05 ELSE 0.05 END\n               ELSE 0 END), 4326)::geography\nEND",
                stored: true,
                oldClrType: typeof(Point),
                oldType: "geography (point, 4326)",
                oldNullable: true,
                oldComputedColumnSql: "CASE visibility\n    WHEN 'public' THEN point\n    WHEN 'approximate' THEN ST_SetSRID(ST_MakePoint(\n        floor(ST_X(point::geometry) / 0.05) * 0.05 + 0.025,\n        floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025), 4326)::geography\nEND",
                oldStored: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<Point>(
                name: "public_point",
                table: "location",
                type: "geography (point, 4326)",
                nullable: true,
                computedColumnSql: "CASE visibility\n    WHEN 'public' THEN point\n    WHEN 'approximate' THEN ST_SetSRID(ST_MakePoint(\n        floor(ST_X(point::geometry) / 0.05) * 0.05 + 0.025,\n        floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025), 4326)::geography\nEND",
                stored: true,
                oldClrType: typeof(Point),
                oldType: "geography (point, 4326)",
                oldNullable: true,
                oldComputedColumnSql: "CASE visibility\n    WHEN 'public' THEN point\n    WHEN 'approximate' THEN ST_SetSRID(ST_MakePoint(\n        floor(ST_X(point::geometry) / 0.05) * 0.05 + 0.025,\n        floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025\n        + CASE WHEN power((ST_X(point::geometry) - (floor(ST_X(point::geometry) / 0.05) * 0.05 + 0.025)) * 111320 * cos(radians(ST_Y(point::geometry))), 2)\n                  + power((ST_Y(point::geometry) - (floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025)) * 110574, 2) < 1500 * 1500\n               THEN CASE WHEN ST_Y(point::geometry) >= floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025 THEN -0.05 ELSE 0.05 END\n               ELSE 0 END), 4326)::geography\nEND",
                oldStored: true);
        }
    }
}
