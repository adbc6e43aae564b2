using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// The in-process nearest index (Features/Referrals/NearestIndex, issue 15) is as fresh as the database, and a write
    /// costs it only what changed: statement triggers (set-based, transition tables) on everything it holds or the cached
    /// documents show record the ids a statement changed in <c>nearest_change</c> — kind 'x' a service at location, 's' a
    /// service (its row, phones or categories), 'l' a location (its row or addresses), 'o' an organization, '*' everything
    /// (a truncate, a taxonomy or region change, or a statement of more than 5,000 rows: a bulk import reloads whole) —
    /// with the writing transaction's id, and send <c>NOTIFY referral_cache, 'nearest'</c>.
    /// An instance remembers the snapshot it loaded at; the changes it lacks are exactly the rows whose transaction that
    /// snapshot did not see (<c>xid &gt;= xmax OR xid = ANY(xip)</c>), whatever order writers commit in, without a lock.
    /// <c>nearest_prune</c> keeps the snapshot of the last pruning: rows committed before it are deleted ten minutes
    /// later (an instance whose snapshot is older than five minutes does not use it). Inserting a location, service or
    /// organization changes nothing the index holds until a service at location names it (its own trigger), so those
    /// inserts record nothing. Written by hand: tables, a function and triggers outside the EF model.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261206021000_AddNearestChangeLog")]
    public partial class AddNearestChangeLog : Migration
    {
        // Table, kind, the column holding the id of that kind, and whether an insert can change the index.
        private static readonly (string Table, char Kind, string Column, bool Insert)[] Tables =
        [
            ("service_at_location", 'x', "id", true),
            ("location", 'l', "id", false),
            ("address", 'l', "location_id", true),
            ("service", 's', "id", false),
            ("phone", 's', "service_id", true),
            ("attribute", 's', "service_id", true),
            ("organization", 'o', "id", false),
            ("taxonomy_term", '*', "id", true),
            ("taxonomy", '*', "id", true),
            ("region", '*', "code", true),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE nearest_change (
                    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
                    kind "char" NOT NULL,
                    id uuid);
                CREATE INDEX ix_nearest_change_xid ON nearest_change (xid);
                COMMENT ON TABLE nearest_change IS 'Ids the nearest index must reload (x service_at_location, s service, l location, o organization, * all), by writing transaction; pruned via nearest_prune.';
                CREATE TABLE nearest_prune (snapshot pg_snapshot NOT NULL, taken_at timestamptz NOT NULL);
                INSERT INTO nearest_prune VALUES (pg_current_snapshot(), now());

                -- TG_ARGV: kind, id column. Transition tables: new_rows (insert, update), old_rows (update, delete).
                CREATE FUNCTION referral_nearest_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    kind "char" := TG_ARGV[0];
                    col text := TG_ARGV[1];
                    n bigint;
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        INSERT INTO nearest_change (kind) VALUES ('*');
                    ELSE
                        EXECUTE CASE TG_OP WHEN 'DELETE' THEN 'SELECT count(*) FROM old_rows' ELSE 'SELECT count(*) FROM new_rows' END INTO n;
                        IF n = 0 THEN
                            RETURN NULL;
                        ELSIF kind = '*' OR n > 5000 THEN
                            INSERT INTO nearest_change (kind) VALUES ('*');
                        ELSIF TG_OP = 'INSERT' THEN
                            EXECUTE format('INSERT INTO nearest_change (kind, id) SELECT DISTINCT %L::"char", %I FROM new_rows WHERE %I IS NOT NULL', kind, col, col);
                        ELSIF TG_OP = 'DELETE' THEN
                            EXECUTE format('INSERT INTO nearest_change (kind, id) SELECT DISTINCT %L::"char", %I FROM old_rows WHERE %I IS NOT NULL', kind, col, col);
                        ELSE
                            EXECUTE format('INSERT INTO nearest_change (kind, id) SELECT %L::"char", k FROM (SELECT %I FROM old_rows UNION SELECT %I FROM new_rows) c(k) WHERE k IS NOT NULL', kind, col, col);
                        END IF;
                    END IF;
                    PERFORM pg_notify('referral_cache', 'nearest');
                    RETURN NULL;
                END $$;
                """);
            foreach (var (table, kind, column, insert) in Tables)
            {
                var args = $"'{kind}', '{column}'";
                if (insert)
                {
                    migrationBuilder.Sql($"CREATE TRIGGER {table}_nearest_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows " +
                        $"FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed({args});");
                }
                migrationBuilder.Sql($"CREATE TRIGGER {table}_nearest_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows " +
                    $"FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed({args});");
                migrationBuilder.Sql($"CREATE TRIGGER {table}_nearest_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows " +
                    $"FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed({args});");
                migrationBuilder.Sql($"CREATE TRIGGER {table}_nearest_truncate AFTER TRUNCATE ON {table} " +
                    $"FOR EACH STATEMENT EXECUTE FUNCTION referral_nearest_changed({args});");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, _, _, _) in Tables)
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_nearest_insert ON {table}; DROP TRIGGER IF EXISTS {table}_nearest_update ON {table}; " +
                    $"DROP TRIGGER IF EXISTS {table}_nearest_delete ON {table}; DROP TRIGGER IF EXISTS {table}_nearest_truncate ON {table};");
            }
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS referral_nearest_changed(); DROP TABLE IF EXISTS nearest_prune; DROP TABLE IF EXISTS nearest_change;");
        }
    }
}
