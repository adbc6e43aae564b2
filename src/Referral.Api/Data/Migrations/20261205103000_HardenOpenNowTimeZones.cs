using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Referral.Api.Data.Migrations
{
    /// <summary>
    /// "Open now" that one bad row cannot break: a schedule whose time zone PostgreSQL does not know (a Windows id stored
    /// before the write rules refused them, or a zone the server's tzdata lacks) counts as "hours unknown" instead of
    /// failing every nearest and referral read around it. No model change, so no designer file.
    /// </summary>
    [DbContext(typeof(ReferralDbContext))]
    [Migration("20261205103000_HardenOpenNowTimeZones")]
    public partial class HardenOpenNowTimeZones : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // AT TIME ZONE raises 22023 for an unknown zone; the handler turns that into NULL. An exception block starts a
            // subtransaction, which parallel workers may not, hence PARALLEL UNSAFE (nearest reads are small KNN scans).
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION local_time_at(p_at timestamptz, p_zone text) RETURNS timestamp
                LANGUAGE plpgsql STABLE PARALLEL UNSAFE
                AS $$
                BEGIN
                  RETURN p_at AT TIME ZONE p_zone;
                EXCEPTION WHEN data_exception THEN
                  RETURN NULL;
                END
                $$;
                """);

            // The same rules as AddSearchAndOpeningHours, over the schedules whose zone can be read: NULL (unknown) when
            // the service is not 24/7 and has no readable timed schedule.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION service_open_at(p_service uuid, p_at timestamptz) RETURNS boolean
                LANGUAGE sql STABLE PARALLEL UNSAFE
                AS $$
                  SELECT CASE
                    WHEN s.available_24_7 THEN true
                    ELSE (
                      SELECT bool_or(coalesce(
                          ((x.valid_from IS NULL OR t.local::date >= x.valid_from) AND (x.valid_to IS NULL OR t.local::date <= x.valid_to)
                           AND position((ARRAY['SU','MO','TU','WE','TH','FR','SA'])[extract(dow FROM t.local)::int + 1] IN x.byday) > 0
                           AND t.local::time >= x.opens_at
                           AND (x.closes_at <= x.opens_at OR x.closes_at = '23:59' OR t.local::time < x.closes_at))
                          OR
                          (x.closes_at < x.opens_at AND t.local::time < x.closes_at
                           AND (x.valid_from IS NULL OR y.yesterday::date >= x.valid_from) AND (x.valid_to IS NULL OR y.yesterday::date <= x.valid_to)
                           AND position((ARRAY['SU','MO','TU','WE','TH','FR','SA'])[extract(dow FROM y.yesterday)::int + 1] IN x.byday) > 0),
                          false))
                      FROM schedule x
                      CROSS JOIN LATERAL (SELECT local_time_at(p_at, x.time_zone) AS local) t
                      CROSS JOIN LATERAL (SELECT t.local - interval '1 day' AS yesterday) y
                      WHERE x.service_id = s.id AND x.opens_at IS NOT NULL AND t.local IS NOT NULL)
                  END
                  FROM service s WHERE s.id = p_service
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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
                DROP FUNCTION IF EXISTS local_time_at(timestamptz, text);
                """);
        }
    }
}
