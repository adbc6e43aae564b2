using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// OGC API – Features and vector tiles select by flat longitude/latitude boxes (CRS84, Web Mercator tiles), not by
    /// geodesic distance: expression GiST indexes on the geometry view of each geography column serve them, and
    /// <c>in_bbox</c> (points: the box test alone is exact) and <c>meets_bbox</c> (shapes: ST_Intersects) are what LINQ
    /// calls — inlinable SQL functions, so those indexes apply. No model change.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261205103000_AddOgcBoxIndexes")]
    public partial class AddOgcBoxIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE INDEX ix_location_public_point_box ON location USING gist ((public_point::geometry));
                CREATE INDEX ix_location_point_box ON location USING gist ((point::geometry));
                CREATE INDEX ix_region_geometry_box ON region USING gist ((geometry::geometry));
                CREATE INDEX ix_place_point_box ON place USING gist ((point::geometry));
                CREATE INDEX ix_demand_point_point_box ON demand_point USING gist ((point::geometry));
                CREATE FUNCTION in_bbox(shape geography, xmin double precision, ymin double precision, xmax double precision, ymax double precision)
                RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
                AS $$ SELECT shape::geometry && ST_MakeEnvelope(xmin, ymin, xmax, ymax, 4326) $$;
                CREATE FUNCTION meets_bbox(shape geography, xmin double precision, ymin double precision, xmax double precision, ymax double precision)
                RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
                AS $$ SELECT ST_Intersects(shape::geometry, ST_MakeEnvelope(xmin, ymin, xmax, ymax, 4326)) $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION meets_bbox(geography, double precision, double precision, double precision, double precision);
                DROP FUNCTION in_bbox(geography, double precision, double precision, double precision, double precision);
                DROP INDEX ix_demand_point_point_box;
                DROP INDEX ix_place_point_box;
                DROP INDEX ix_region_geometry_box;
                DROP INDEX ix_location_point_box;
                DROP INDEX ix_location_public_point_box;
                """);
        }
    }
}
