using System.Globalization;
using System.Net.Http.Json;
using Npgsql;
using Referral.Api.Features.Referrals;
using Referral.Api.Infrastructure;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>
/// The pieces of the in-memory nearest answer (issue 15) against the database they replace: open-now in C#
/// (<see cref="OpenHours"/>) against the SQL function <c>service_open_at()</c> over many schedules, zones, DST edges and
/// instants; the C# ellipsoidal distance (<see cref="Ellipsoid"/>) against PostGIS geography <c>ST_Distance</c>.
/// </summary>
public sealed class InMemoryAnswerTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static readonly string[] Zones =
    [
        "UTC", "America/Costa_Rica", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham",
        "Asia/Kathmandu", "Etc/GMT+5", "America/Santiago", "Europe/Madrid", "Asia/Tokyo", "America/Sao_Paulo",
        "Not/AZone", // PostgreSQL cannot read it: the schedule does not count
    ];

    private static readonly string[] ByDays = ["MO,TU,WE,TH,FR", "SA,SU", "SU", "MO", "FR,SA", "SU,MO", "MO,TU,WE,TH,FR,SA,SU", "TU,TH", "WE", "TH"];

    [Fact]
    public async Task OpenNow_InCSharp_IsServiceOpenAt_OverSchedulesZonesDstEdgesAndInstants()
    {
        var random = new Random(2026);
        var org = await TestData.CreateOrganizationAsync(Client);
        var services = new List<Guid>();
        await using var conn = await Factory.OpenAsync();
        for (var i = 0; i < 120; i++)
        {
            var id = Guid.NewGuid();
            services.Add(id);
            await using (var cmd = new NpgsqlCommand("""
                INSERT INTO service (id, organization_id, name, status, available_24_7, genders, delivery_modes, languages, audience, platforms, is_demo, last_modified)
                VALUES (@id, @org, @name, 'active', @always, '{}', '{}', '{}', '{}', '{}', false, now())
                """, conn))
            {
                cmd.Parameters.AddWithValue("id", id);
                cmd.Parameters.AddWithValue("org", org);
                cmd.Parameters.AddWithValue("name", $"hours {i}");
                cmd.Parameters.AddWithValue("always", i % 17 == 0);
                await cmd.ExecuteNonQueryAsync();
            }
            // 0–3 schedules: timed or not, past midnight, until 23:59, validity dates around the DST changes.
            for (var k = random.Next(4); k > 0; k--)
            {
                var opens = random.Next(5) == 0 ? (TimeOnly?)null : new TimeOnly(random.Next(24), random.Next(4) * 15);
                var closes = opens is null || random.Next(12) == 0 ? (TimeOnly?)null
                    : random.Next(6) == 0 ? new TimeOnly(23, 59) : new TimeOnly(random.Next(24), random.Next(4) * 15);
                DateOnly? from = random.Next(3) == 0 ? new DateOnly(2026, 3, random.Next(1, 31)) : null;
                DateOnly? to = random.Next(3) == 0 ? new DateOnly(2026, 10, random.Next(1, 31)) : null;
                await using var cmd = new NpgsqlCommand("""
                    INSERT INTO schedule (id, service_id, byday, opens_at, closes_at, valid_from, valid_to, time_zone)
                    VALUES (gen_random_uuid(), @s, @byday, @opens, @closes, @from, @to, @zone)
                    """, conn);
                cmd.Parameters.AddWithValue("s", id);
                cmd.Parameters.AddWithValue("byday", ByDays[random.Next(ByDays.Length)]);
                cmd.Parameters.AddWithValue("opens", opens is { } o ? o : DBNull.Value);
                cmd.Parameters.AddWithValue("closes", closes is { } c ? c : DBNull.Value);
                cmd.Parameters.AddWithValue("from", from is { } f ? f : DBNull.Value);
                cmd.Parameters.AddWithValue("to", to is { } t ? t : DBNull.Value);
                cmd.Parameters.AddWithValue("zone", Zones[random.Next(Zones.Length)]);
                await cmd.ExecuteNonQueryAsync();
            }
        }
        // Instants: random ones through 2026, and every DST change of 2026 in the zones above, ± a second and ± an hour.
        var instants = new List<DateTimeOffset>();
        for (var i = 0; i < 60; i++)
        {
            instants.Add(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.NextDouble() * 365 * 86400).AddTicks(random.Next(10)));
        }
        foreach (var zone in Zones.Select(TimeZones.Find).OfType<TimeZoneInfo>())
        {
            var previous = zone.GetUtcOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            for (var t = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero); t.Year == 2026; t = t.AddMinutes(15))
            {
                var offset = zone.GetUtcOffset(t);
                if (offset != previous)
                {
                    foreach (var d in new[] { -3600, -1, 0, 1, 3600 })
                    {
                        instants.Add(t.AddSeconds(d));
                    }
                    previous = offset;
                }
            }
        }
        var (compared, open) = await CompareWithSqlAsync(conn, services, instants);
        Assert.Equal(services.Count * instants.Count, compared);
        Assert.InRange(open, compared / 20, compared - 1); // both answers occur
    }

    /// <summary>
    /// The first and last days .NET's calendar can hold: looking back to the evening before 0001-01-01 (1 BC for PostgreSQL)
    /// for a schedule past midnight, and local times past 9999-12-31 east of UTC. Fixed zones only (PostgreSQL and .NET read
    /// the same offset there); validity dates at the calendar's ends and infinite ones.
    /// </summary>
    [Fact]
    public async Task OpenNow_InCSharp_IsServiceOpenAt_AtTheEdgesOfTheCalendar()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var services = new List<Guid>();
        await using var conn = await Factory.OpenAsync();
        foreach (var zone in new[] { "UTC", "Etc/GMT+5", "Etc/GMT-5" })
        {
            foreach (var (opens, closes) in new[] { (new TimeOnly(20, 0), new TimeOnly(2, 0)), (new TimeOnly(0, 0), new TimeOnly(23, 59)), (new TimeOnly(9, 0), new TimeOnly(17, 0)) })
            {
                foreach (var (from, to) in new (string?, string?)[]
                {
                    (null, null), ("0001-01-01", null), (null, "9999-12-31"), ("0001-01-02", "9999-12-30"),
                    // Infinite dates (what Npgsql writes for DateOnly.MinValue/MaxValue): always or never valid.
                    ("-infinity", null), (null, "infinity"), ("infinity", null), (null, "-infinity"),
                })
                {
                    foreach (var byday in new[] { "MO,TU,WE,TH,FR,SA,SU", "SU", "MO", "FR", "SA" })
                    {
                        var id = Guid.NewGuid();
                        services.Add(id);
                        await using var cmd = new NpgsqlCommand("""
                            INSERT INTO service (id, organization_id, name, status, available_24_7, genders, delivery_modes, languages, audience, platforms, is_demo, last_modified)
                            VALUES (@id, @org, 'edge hours', 'active', false, '{}', '{}', '{}', '{}', '{}', false, now());
                            INSERT INTO schedule (id, service_id, byday, opens_at, closes_at, valid_from, valid_to, time_zone)
                            VALUES (gen_random_uuid(), @id, @byday, @opens, @closes, @from::date, @to::date, @zone)
                            """, conn);
                        cmd.Parameters.AddWithValue("id", id);
                        cmd.Parameters.AddWithValue("org", org);
                        cmd.Parameters.AddWithValue("byday", byday);
                        cmd.Parameters.AddWithValue("opens", opens);
                        cmd.Parameters.AddWithValue("closes", closes);
                        cmd.Parameters.AddWithValue("from", NpgsqlTypes.NpgsqlDbType.Text, from is { } f ? f : DBNull.Value);
                        cmd.Parameters.AddWithValue("to", NpgsqlTypes.NpgsqlDbType.Text, to is { } t ? t : DBNull.Value);
                        cmd.Parameters.AddWithValue("zone", zone);
                        await cmd.ExecuteNonQueryAsync();
                    }
                }
            }
        }
        // A microsecond past the first instant: DateTime.MinValue itself is what Npgsql sends as -infinity.
        var first = new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(10);
        var last = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero);
        DateTimeOffset[] instants =
        [
            first, first.AddMinutes(30), first.AddHours(1), first.AddHours(4.5), first.AddHours(12), first.AddHours(21),
            first.AddDays(1).AddHours(1), first.AddDays(2).AddHours(3), first.AddDays(3),
            last, last.AddHours(-1), last.AddHours(-3.5), last.AddHours(-12), last.AddHours(-22), last.AddDays(-1).AddHours(-1), last.AddDays(-2),
        ];

        var (compared, open) = await CompareWithSqlAsync(conn, services, instants);

        Assert.Equal(services.Count * instants.Length, compared);
        Assert.InRange(open, compared / 20, compared - 1); // both answers occur
    }

    /// <summary>Every service at every instant: <see cref="OpenHours.At"/> equals <c>service_open_at()</c>.</summary>
    private static async Task<(int Compared, int Open)> CompareWithSqlAsync(NpgsqlConnection conn, List<Guid> services, IReadOnlyList<DateTimeOffset> instants)
    {
        var hours = await NearestIndex.ReadHoursAsync(conn, null, [.. services], default);
        Assert.Equal(services.Count, hours.Count);
        var compared = 0;
        var open = 0;
        await using (var cmd = new NpgsqlCommand("SELECT s, t, service_open_at(s, t) FROM unnest(@s) s CROSS JOIN unnest(@t) t", conn))
        {
            cmd.Parameters.AddWithValue("s", services.ToArray());
            cmd.Parameters.AddWithValue("t", instants.Select(i => i.UtcDateTime).ToArray());
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var service = reader.GetGuid(0);
                var at = new DateTimeOffset(reader.GetFieldValue<DateTime>(1));
                bool? expected = reader.IsDBNull(2) ? null : reader.GetBoolean(2);
                Assert.False(hours[service].Hours.Uncertain);
                var actual = hours[service].Hours.At(at);
                Assert.True(expected == actual, $"service {service} at {at:O}: SQL {expected?.ToString() ?? "null"}, C# {actual?.ToString() ?? "null"}");
                compared++;
                open += actual == true ? 1 : 0;
            }
        }
        return (compared, open);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00%2B00:00")]
    [InlineData("9999-12-31T23:59:59%2B00:00")]
    public async Task Nearest_AtTheEdgesOfTheCalendar_Answers200_NeverA500(string at)
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        // Both with night hours in UTC: looking back to the evening before the first day is what overflowed the calendar.
        static System.Text.Json.Nodes.JsonArray Hours() => new(new System.Text.Json.Nodes.JsonObject
        {
            ["byday"] = "MO,TU,WE,TH,FR,SA,SU",
            ["opens_at"] = "20:00",
            ["closes_at"] = "02:00",
            ["time_zone"] = "UTC",
        });
        var police = TestData.Service(org, "Police post", 9.93, -84.08, "police");
        police["schedules"] = Hours();
        await TestData.CreateServiceAsync(Client, police);
        var doc = TestData.Service(org, "Helpline", 0, 0, "helpline");
        doc["schedules"] = Hours();
        doc["service_at_locations"] = new System.Text.Json.Nodes.JsonArray();
        doc["service_areas"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "Everywhere", ["region_codes"] = new System.Text.Json.Nodes.JsonArray("XA") });
        await TestData.CreateServiceAsync(Client, doc);
        await TestData.AddRegionAsync(Factory, "XA", 9.9, -84.1, 1, level: 0);

        var response = await Public.GetAsync($"/api/nearest?lat=9.9&lng=-84.1&category=police&at={at}");

        // Whatever the database's service_open_at() makes of such an instant, the answer is an answer.
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(System.Text.Json.JsonValueKind.Array, body.GetProperty("results").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, body.GetProperty("remote").ValueKind);
    }

    [Fact]
    public async Task EllipsoidalDistance_InCSharp_IsPostgisGeographyDistance()
    {
        var random = new Random(15);
        var pairs = new List<(double Lat1, double Lng1, double Lat2, double Lng2)>();
        for (var i = 0; i < 400; i++)
        {
            var lat = (random.NextDouble() * 170) - 85;
            var lng = (random.NextDouble() * 360) - 180;
            // Near (metres to a few hundred km), far (across continents), and across the antimeridian and the equator.
            var spread = i % 4 == 0 ? 0.001 : i % 4 == 1 ? 3 : i % 4 == 2 ? 60 : 0.5;
            var lat2 = Math.Clamp(lat + ((random.NextDouble() - 0.5) * spread), -89.9, 89.9);
            var lng2 = lng + ((random.NextDouble() - 0.5) * spread);
            lng2 = lng2 > 180 ? lng2 - 360 : lng2 < -180 ? lng2 + 360 : lng2;
            pairs.Add((lat, lng, lat2, lng2));
        }
        pairs.Add((0, 179.9995, 0, -179.9995));
        pairs.Add((9.93, -84.08, 9.93, -84.08));
        await using var conn = await Factory.OpenAsync();
        foreach (var (lat1, lng1, lat2, lng2) in pairs)
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(@x1, @y1), 4326)::geography, ST_SetSRID(ST_MakePoint(@x2, @y2), 4326)::geography)", conn);
            cmd.Parameters.AddWithValue("x1", lng1);
            cmd.Parameters.AddWithValue("y1", lat1);
            cmd.Parameters.AddWithValue("x2", lng2);
            cmd.Parameters.AddWithValue("y2", lat2);
            var expected = (double)(await cmd.ExecuteScalarAsync())!;
            var actual = Ellipsoid.DistanceM(lat1, lng1, lat2, lng2);
            Assert.True(Math.Abs(expected - actual) < 1e-4,
                string.Create(CultureInfo.InvariantCulture, $"({lat1}, {lng1}) – ({lat2}, {lng2}): PostGIS {expected} m, C# {actual} m"));
        }
    }
}
