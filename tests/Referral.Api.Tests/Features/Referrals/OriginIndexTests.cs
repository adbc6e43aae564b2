using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NetTopologySuite.Geometries;
using Referral.Api.Data;
using Referral.Api.Data.Seeding;
using Referral.Api.Features.Referrals;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>
/// Issue 15: the origin of a nearest request — its country, region codes and the service areas covering it — comes from
/// memory (<see cref="OriginIndex"/>), never differs from the SQL path, and follows writes.
/// </summary>
public sealed class OriginIndexTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static readonly GeometryFactory Geo4326 = new(new PrecisionModel(), 4326);

    // One instant for both paths, so open-now compares.
    private static readonly DateTimeOffset At = new(2026, 12, 7, 15, 30, 0, TimeSpan.Zero);

    private async Task SeedAsync()
    {
        await Factory.ResetDatabaseAsync();
        await using var scope = Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SeedLoader>().RunAsync(CancellationToken.None);
    }

    private async Task<OriginSnapshot> LoadedAsync()
    {
        var index = Factory.Services.GetRequiredService<OriginIndex>();
        await Factory.Services.GetRequiredService<DbNotifications>().SyncAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (index.Loaded is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the origin index did not load");
            await Task.Delay(20);
        }
        return index.Loaded;
    }

    /// <summary>
    /// The origin and the remote channels as NearestQueries answers them: with the app's loaded origin index, or (null)
    /// with one that never loaded — the SQL path.
    /// </summary>
    private async Task<(string? Country, string[] Codes, string[] Remote)> AnswerAsync(Point point, OriginIndex? loaded)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var queries = ActivatorUtilities.CreateInstance<NearestQueries>(sp, loaded ?? ActivatorUtilities.CreateInstance<OriginIndex>(sp));
        var (country, codes) = await queries.OriginAsync(point, CancellationToken.None);
        var remote = await queries.RemoteAsync(point, codes, new ServiceFilter { At = At }, [], CancellationToken.None);
        return (country, codes, [.. remote.Select(r => $"{r.Service.Id}/{r.ServiceArea.Id}/{r.OpenNow}")]);
    }

    [Fact]
    public async Task InMemoryOrigin_EqualsTheSqlPath_OnRealOutlinesAndTowns_AndAnswersMostPoints()
    {
        await SeedAsync();
        // Service areas: an outline straddling the Costa Rica / Panama border, a province code, a country code.
        var org = await TestData.CreateOrganizationAsync(Client);
        await AddAreaServiceAsync(org, "Border helpline", extent: (-83.5, 8.0, -82.0, 9.6));
        await AddAreaServiceAsync(org, "Province helpline", codes: ["CR-SJ"]);
        await AddAreaServiceAsync(org, "National helpline", codes: ["CR"]);
        var snapshot = await LoadedAsync();
        Assert.True(snapshot.Regions >= 235 && snapshot.Places > 20_000 && snapshot.Areas >= 3, $"{snapshot.Regions} {snapshot.Places} {snapshot.Areas}");

        var random = new Random(15);
        var points = new List<(double Lat, double Lng)>();
        // Anywhere, inside Costa Rica (towns, provinces, the service areas), and along its borders and coasts.
        for (var i = 0; i < 120; i++)
        {
            points.Add((-60 + (random.NextDouble() * 135), -180 + (random.NextDouble() * 360)));
        }
        for (var i = 0; i < 200; i++)
        {
            points.Add((8 + (random.NextDouble() * 3.3), -86 + (random.NextDouble() * 3.5)));
        }
        var costaRica = await Factory.WithDbAsync(db => db.Regions.AsNoTracking().Where(r => r.Code == "CR" || r.Code == "PA").Select(r => r.Geometry!).ToListAsync());
        foreach (var outline in costaRica)
        {
            var vertices = outline.Coordinates;
            for (var i = 0; i < 60; i++)
            {
                var v = vertices[random.Next(vertices.Length)];
                // Within ~0–6 km of the outline: on the edge, inside, and in the coastal tolerance.
                points.Add((v.Y + ((random.NextDouble() - 0.5) * 0.1), v.X + ((random.NextDouble() - 0.5) * 0.1)));
            }
        }

        var index = Factory.Services.GetRequiredService<OriginIndex>();
        var answered = 0;
        var inCostaRica = 0;
        var remote = 0;
        foreach (var (lat, lng) in points)
        {
            var point = Geo4326.CreatePoint(new Coordinate(lng, lat));
            var sql = await AnswerAsync(point, null);
            if (snapshot.TryOrigin(lat, lng, out var country, out var codes))
            {
                var where = string.Create(CultureInfo.InvariantCulture, $"{lat:0.#####},{lng:0.#####}");
                Assert.True(sql.Country == country, $"{where}: country {country} from memory, {sql.Country} from SQL");
                Assert.True(sql.Codes.SequenceEqual(codes), $"{where}: codes [{string.Join(",", codes)}] from memory, [{string.Join(",", sql.Codes)}] from SQL");
                var memory = await AnswerAsync(point, index);
                Assert.True(sql.Remote.SequenceEqual(memory.Remote), $"{where}: remote [{string.Join(",", memory.Remote)}] from memory, [{string.Join(",", sql.Remote)}] from SQL");
                remote += snapshot.TryAreasCovering(lat, lng, codes, out _) && memory.Remote.Length > 0 ? 1 : 0;
                answered++;
                inCostaRica += country == "CR" ? 1 : 0;
            }
        }
        // Memory is useful only if it answers most requests: all but those near an edge, a coast or a town's bound.
        Assert.True(answered > points.Count * 0.6, $"memory answered {answered} of {points.Count}");
        Assert.True(inCostaRica > 60, $"{inCostaRica} answers in Costa Rica");
        Assert.True(remote > 60, $"{remote} answers with remote channels from memory");
    }

    private async Task AddAreaServiceAsync(Guid org, string name, (double West, double South, double East, double North)? extent = null, string[]? codes = null)
    {
        var doc = TestData.Service(org, name, 0, 0, "helpline");
        doc["service_at_locations"] = new JsonArray();
        var area = new JsonObject { ["name"] = name + " area" };
        if (extent is { } e)
        {
            area["extent"] = JsonNode.Parse(FormattableString.Invariant(
                $"{{\"type\":\"Polygon\",\"coordinates\":[[[{e.West},{e.South}],[{e.East},{e.South}],[{e.East},{e.North}],[{e.West},{e.North}],[{e.West},{e.South}]]]}}"));
        }
        if (codes is not null)
        {
            area["region_codes"] = new JsonArray([.. codes.Select(c => (JsonNode)c)]);
        }
        doc["service_areas"] = new JsonArray(area);
        var response = await Client.PostAsJsonAsync("/api/services", doc);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Snapshot_LeavesEdgesCoastsAndTiedTownsToTheSqlPath()
    {
        var builder = new OriginSnapshot.Builder();
        builder.AddRegion("XA", null, 0, Box(10, 0, 11, 1));
        builder.AddRegion("XA-1", "XA", 1, Box(10, 0, 10.5, 1));
        builder.AddPlace("XB-9", "XB", 5.0, 20.0);
        builder.AddPlace("XC-1", "XC", 5.0, 20.2); // ~22.2 km east of the first
        builder.AddPlace("XD-1", "XD", 7.0, 20.0);
        var snapshot = builder.Build();

        // Deep inside the province: country and both codes, no town needed.
        Assert.True(snapshot.TryOrigin(0.5, 10.25, out var country, out var codes));
        Assert.Equal("XA", country);
        Assert.Equal(["XA", "XA-1"], codes);
        // In the country but east of the province: the nearest town within 25 km decides the region; none there.
        Assert.True(snapshot.TryOrigin(0.5, 10.75, out country, out codes));
        Assert.Equal("XA", country);
        Assert.Equal(["XA"], codes);
        // 20 m from the province's edge, 2 km off the country's coast: PostgreSQL decides.
        Assert.False(snapshot.TryOrigin(0.5, 10.5002, out _, out _));
        Assert.False(snapshot.TryOrigin(0.5, 11.02, out _, out _));
        // Far at sea: no country, no town.
        Assert.True(snapshot.TryOrigin(3, 15, out country, out codes));
        Assert.Null(country);
        Assert.Empty(codes);
        // Nearest town 1.1 km away: its region and country. Halfway between two towns of different regions: PostgreSQL.
        Assert.True(snapshot.TryOrigin(5.0, 20.01, out country, out codes));
        Assert.Null(country);
        Assert.Equal(["XB", "XB-9"], codes);
        Assert.False(snapshot.TryOrigin(5.0, 20.1, out _, out _));
        // A town 25 km away: on the bound, PostgreSQL measures (spheroid); 30 km: none.
        Assert.False(snapshot.TryOrigin(7.0 + (25_000 / 110_574.0), 20.0, out _, out _));
        Assert.True(snapshot.TryOrigin(7.0 + (30_000 / 110_574.0), 20.0, out _, out codes));
        Assert.Empty(codes);
        // Poles and the antimeridian: PostgreSQL.
        Assert.False(snapshot.TryOrigin(85, 10, out _, out _));
        Assert.False(snapshot.TryOrigin(0, 179.9, out _, out _));
    }

    [Fact]
    public void Snapshot_AnOutlineCutAtTheAntimeridian_StaysOnItsSide()
    {
        // What ST_Segmentize(geography)::geometry makes of a ring on the −180° edge (seen on Russia's Chukotka): the
        // points it adds on that edge come back as +180°, which in lon/lat spans the globe.
        var builder = new OriginSnapshot.Builder();
        builder.AddRegion("XR", null, 0, Geo4326.CreateMultiPolygon(
        [
            Geo4326.CreatePolygon([new(-180, 65), new(-177.5, 65.02), new(-175, 65), new(-175, 70), new(-180, 70), new(180, 68.75), new(180, 67.5), new(-180, 65)]),
        ]));
        var snapshot = builder.Build();

        Assert.True(snapshot.TryOrigin(68, -177, out var country, out _));
        Assert.Equal("XR", country);
        Assert.True(snapshot.TryOrigin(68, 0, out country, out var codes));
        Assert.Null(country);
        Assert.Empty(codes);
    }

    [Fact]
    public async Task Snapshot_AreasByOutlineAndCode_EdgesToTheSqlPath()
    {
        var builder = new OriginSnapshot.Builder();
        var outline = Guid.NewGuid();
        var coded = Guid.NewGuid();
        builder.AddArea(Guid.NewGuid(), outline, "Box", [], Box(10, 0, 11, 1));
        builder.AddArea(Guid.NewGuid(), coded, "Coded", ["XA-1", "XA"], null);
        var snapshot = builder.Build();

        Assert.True(snapshot.TryAreasCovering(0.5, 10.5, ["XA"], out var areas));
        Assert.Equal([outline, coded], areas.Select(a => a.ServiceId));
        Assert.True(snapshot.TryAreasCovering(5, 5, ["XA-1", "XA"], out areas));
        Assert.Equal([coded], areas.Select(a => a.ServiceId)); // once, though two of its codes match
        Assert.True(snapshot.TryAreasCovering(5, 5, ["XB"], out areas));
        Assert.Empty(areas);
        Assert.False(snapshot.TryAreasCovering(0.5, 11.0001, [], out _));
        await Task.CompletedTask;
    }

    private static MultiPolygon Box(double west, double south, double east, double north) => Geo4326.CreateMultiPolygon(
    [
        Geo4326.CreatePolygon([new(west, south), new(east, south), new(east, north), new(west, north), new(west, south)]),
    ]);

    [Fact]
    public async Task AWrite_ReachesTheOriginWithinASecond_WithoutTheTestBarrier()
    {
        await TestData.AddRegionAsync(Factory, "XA", 0.5, 10.5, 0.5, level: 0);
        await LoadedAsync();
        var raw = Factory.CreateClient();
        raw.DefaultRequestHeaders.Add(ReferralApiFactory.NoSyncHeader, "1");

        async Task<string[]> CodesAsync() => [.. (await raw.GetFromJsonAsync<JsonElement>("/api/nearest?lat=0.5&lng=10.25"))
            .GetProperty("region_codes").EnumerateArray().Select(c => c.GetString()!)];

        Assert.Equal(["XA"], await CodesAsync());
        await TestData.AddRegionAsync(Factory, "XA-1", 0.5, 10.25, 0.2, level: 1, parent: "XA");
        // Visible within a second: a request sent a second after the write (or any sooner) has it. On a loaded machine a
        // request can itself take longer than that, so the clock is read when each one is sent.
        var deadline = DateTime.UtcNow.AddSeconds(1);
        string[] codes;
        while (true)
        {
            var sent = DateTime.UtcNow;
            codes = await CodesAsync();
            if (codes.Contains("XA-1") || sent > deadline)
            {
                break;
            }
            await Task.Delay(10);
        }
        Assert.Equal(["XA", "XA-1"], codes);
    }

    /// <summary>
    /// An instance that never hears the notification (its listening connection down, or a lost message): the change log's
    /// poll still stops it answering from the old snapshot within a second, and it catches up by itself.
    /// </summary>
    [Fact]
    public async Task AChangeWhoseNotificationIsLost_IsNeverAnsweredFromTheOldSnapshot_AfterASecond()
    {
        await TestData.AddRegionAsync(Factory, "XA", 0.5, 10.5, 0.5, level: 0);
        // Not the app's singleton: nothing calls this one's Invalidate.
        var deaf = ActivatorUtilities.CreateInstance<OriginIndex>(Factory.Services);
        await deaf.StartAsync(CancellationToken.None);
        try
        {
            var point = Geo4326.CreatePoint(new Coordinate(10.25, 0.5));
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string[] codes;
            while (!deaf.TryOrigin(point, out _, out codes))
            {
                Assert.True(DateTime.UtcNow < deadline, "the origin index did not load");
                await Task.Delay(20);
            }
            Assert.Equal(["XA"], codes);

            await TestData.AddRegionAsync(Factory, "XA-1", 0.5, 10.25, 0.2, level: 1, parent: "XA");
            var written = System.Diagnostics.Stopwatch.StartNew();
            var fresh = false;
            while (!fresh)
            {
                var asked = written.Elapsed;
                if (deaf.TryOrigin(point, out _, out codes))
                {
                    fresh = codes.Contains("XA-1");
                    Assert.True(fresh || asked < TimeSpan.FromSeconds(1), $"answered from the old snapshot {asked.TotalMilliseconds:F0} ms after the write");
                }
                Assert.True(asked < TimeSpan.FromSeconds(60), "the origin index did not catch up");
                await Task.Delay(10);
            }
            Assert.Equal(["XA", "XA-1"], codes);
        }
        finally
        {
            await deaf.StopAsync(CancellationToken.None);
        }
    }
}
