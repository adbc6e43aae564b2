using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// <c>service_categories(uuid)</c>: a service's referral category codes, comma-separated in code order (null without
    /// one), what the OGC services features and the services tiles show as <c>categories</c>. Called from LINQ
    /// (<see cref="SqlFunctions.ServiceCategories"/>), it keeps a page of OGC items one row per feature in one statement
    /// (EF reads a joined collection as extra rows it sorts and groups). Written by hand: a function outside the EF model.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261206020100_AddServiceCategoriesFunction")]
    public partial class AddServiceCategoriesFunction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION service_categories(service uuid) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
                    SELECT string_agg(tt.code, ',' ORDER BY tt.code) FROM attribute a
                      JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id JOIN taxonomy tx ON tx.id = tt.taxonomy_id
                    WHERE a.service_id = service AND tx.name = 'referral-category'
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS service_categories(uuid);");
        }
    }
}
