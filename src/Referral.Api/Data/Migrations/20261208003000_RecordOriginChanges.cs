using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// The origin index (Features/Referrals/OriginIndex, issue 15) gets the nearest index's freshness net: a statement
    /// that writes <c>region</c>, <c>place</c> or <c>service_area</c> records a change of kind 'g' in <c>nearest_change</c>
    /// with the writing transaction's id (pruned with the others), besides the notification of AddOriginNotify, so an
    /// instance whose notification was lost still sees the change by polling the change log. The nearest index ignores
    /// kind 'g'. A statement that changed no row records and notifies nothing (it used to notify). No model change, so no
    /// designer file.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261208003000_RecordOriginChanges")]
    public partial class RecordOriginChanges : Migration
    {
        private static readonly string[] Tables = ["region", "place", "service_area"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A statement that changed no row (an import's delete of a service's areas when it has none) records nothing:
            // one trigger per event, so each can see its transition table.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION referral_origin_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    changed boolean := true;
                BEGIN
                    IF TG_OP <> 'TRUNCATE' THEN
                        EXECUTE CASE TG_OP WHEN 'DELETE' THEN 'SELECT EXISTS (SELECT 1 FROM old_rows)' ELSE 'SELECT EXISTS (SELECT 1 FROM new_rows)' END INTO changed;
                    END IF;
                    IF changed THEN
                        INSERT INTO nearest_change (kind) VALUES ('g');
                        PERFORM pg_notify('referral_cache', 'origin');
                    END IF;
                    RETURN NULL;
                END $$;
                COMMENT ON TABLE nearest_change IS 'Ids the nearest index must reload (x service_at_location, s service, l location, o organization, * all), and changes of the origin tables (g: region, place, service_area) for the origin index, by writing transaction; pruned via nearest_prune.';
                """);
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"""
                    DROP TRIGGER IF EXISTS {table}_origin_changed ON {table};
                    CREATE TRIGGER {table}_origin_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION referral_origin_changed();
                    CREATE TRIGGER {table}_origin_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION referral_origin_changed();
                    CREATE TRIGGER {table}_origin_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION referral_origin_changed();
                    CREATE TRIGGER {table}_origin_truncate AFTER TRUNCATE ON {table}
                        FOR EACH STATEMENT EXECUTE FUNCTION referral_origin_changed();
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"""
                    DROP TRIGGER IF EXISTS {table}_origin_insert ON {table}; DROP TRIGGER IF EXISTS {table}_origin_update ON {table};
                    DROP TRIGGER IF EXISTS {table}_origin_delete ON {table}; DROP TRIGGER IF EXISTS {table}_origin_truncate ON {table};
                    """);
            }
            migrationBuilder.Sql("""
                DELETE FROM nearest_change WHERE kind = 'g';
                CREATE OR REPLACE FUNCTION referral_origin_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('referral_cache', 'origin');
                    RETURN NULL;
                END $$;
                COMMENT ON TABLE nearest_change IS 'Ids the nearest index must reload (x service_at_location, s service, l location, o organization, * all), by writing transaction; pruned via nearest_prune.';
                """);
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_origin_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} " +
                    "FOR EACH STATEMENT EXECUTE FUNCTION referral_origin_changed();");
            }
        }
    }
}
