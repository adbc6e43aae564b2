using Microsoft.EntityFrameworkCore.Migrations;
using NetTopologySuite.Geometries;
using NpgsqlTypes;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddSearchAndOpeningHours : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // unaccent() is STABLE (it reads a dictionary); this wrapper pins the dictionary so it can be IMMUTABLE and
            // used in generated columns and expression indexes (the usual PostgreSQL recipe).
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
                LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
                AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
                """);

            // Is a service open at an instant? Each schedule is read in its own IANA time zone; a window whose
            // closes_at is not after opens_at runs past midnight into the next day; 23:59 means "until midnight".
            // NULL when the service is not 24/7 and has no timed schedule (unknown, not closed).
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION service_open_at(p_service uuid, p_at timestamptz) RETURNS boolean
                LANGUAGE sql STABLE PARALLEL SAFE
                AS $$
                  SELECT CASE
                    WHEN s.available_24_7 THEN true
                    WHEN NOT EXISTS (SELECT 1 FROM schedule x WHERE x.service_id = s.id AND x.opens_at IS NOT NULL) THEN NULL
                    ELSE EXISTS (
                      SELECT 1
                      FROM schedule x
                      CROSS JOIN LATERAL (SELECT p_at AT TIME ZONE x.time_zone AS local) t
                      CROSS JOIN LATERAL (SELECT t.local - interval '1 day' AS yesterday) y
                      WHERE x.service_id = s.id AND x.opens_at IS NOT NULL
                        AND (
                          ((x.valid_from IS NULL OR t.local::date >= x.valid_from) AND (x.valid_to IS NULL OR t.local::date <= x.valid_to)
                           AND position((ARRAY['SU','MO','TU','WE','TH','FR','SA'])[extract(dow FROM t.local)::int + 1] IN x.byday) > 0
                           AND t.local::time >= x.opens_at
                           AND (x.closes_at <= x.opens_at OR x.closes_at = '23:59' OR t.local::time < x.closes_at))
                          OR
                          (x.closes_at < x.opens_at AND t.local::time < x.closes_at
                           AND (x.valid_from IS NULL OR y.yesterday::date >= x.valid_from) AND (x.valid_to IS NULL OR y.yesterday::date <= x.valid_to)
                           AND position((ARRAY['SU','MO','TU','WE','TH','FR','SA'])[extract(dow FROM y.yesterday)::int + 1] IN x.byday) > 0)
                        ))
                  END
                  FROM service s WHERE s.id = p_service
                $$;
                """);

            migrationBuilder.AddColumn<NpgsqlTsVector>(
                name: "search_document",
                table: "service",
                type: "tsvector",
                nullable: true,
                computedColumnSql: "setweight(to_tsvector('simple', f_unaccent(coalesce(name, '') || ' ' || coalesce(alternate_name, ''))), 'A')\n|| setweight(to_tsvector('spanish', f_unaccent(coalesce(name, '') || ' ' || coalesce(alternate_name, ''))), 'A')\n|| setweight(to_tsvector('english', f_unaccent(coalesce(name, '') || ' ' || coalesce(alternate_name, ''))), 'A')\n|| setweight(to_tsvector('simple', f_unaccent(coalesce(description, ''))), 'B')\n|| setweight(to_tsvector('spanish', f_unaccent(coalesce(description, ''))), 'B')\n|| setweight(to_tsvector('english', f_unaccent(coalesce(description, ''))), 'B')\n|| setweight(to_tsvector('portuguese', f_unaccent(coalesce(description, ''))), 'C')\n|| setweight(to_tsvector('french', f_unaccent(coalesce(description, ''))), 'C')",
                stored: true);

            migrationBuilder.AddColumn<Point>(
                name: "public_point",
                table: "location",
                type: "geography (point, 4326)",
                nullable: true,
                computedColumnSql: "CASE visibility\n    WHEN 'public' THEN point\n    WHEN 'approximate' THEN ST_SetSRID(ST_MakePoint(\n        floor(ST_X(point::geometry) / 0.05) * 0.05 + 0.025,\n        floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025), 4326)::geography\nEND",
                stored: true);

            migrationBuilder.CreateIndex(
                name: "ix_service_search_document",
                table: "service",
                column: "search_document")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_location_public_point",
                table: "location",
                column: "public_point")
                .Annotation("Npgsql:IndexMethod", "gist");

            // Typo-tolerant matching (pg_trgm) on names people search for.
            migrationBuilder.Sql("CREATE INDEX ix_service_name_trgm ON service USING gin (f_unaccent(name) gin_trgm_ops);");
            migrationBuilder.Sql("CREATE INDEX ix_organization_name_trgm ON organization USING gin (f_unaccent(name) gin_trgm_ops);");
            migrationBuilder.Sql("CREATE INDEX ix_place_name_trgm ON place USING gin (f_unaccent(name) gin_trgm_ops);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_service_name_trgm; DROP INDEX IF EXISTS ix_organization_name_trgm; DROP INDEX IF EXISTS ix_place_name_trgm;");
            migrationBuilder.DropIndex(
                name: "ix_service_search_document",
                table: "service");

            migrationBuilder.DropIndex(
                name: "ix_location_public_point",
                table: "location");

            migrationBuilder.DropColumn(
                name: "search_document",
                table: "service");

            migrationBuilder.DropColumn(
                name: "public_point",
                table: "location");

            migrationBuilder.Sql("DROP FUNCTION IF EXISTS service_open_at(uuid, timestamptz); DROP FUNCTION IF EXISTS f_unaccent(text);");
        }
    }
}

