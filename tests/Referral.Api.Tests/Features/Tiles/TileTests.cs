using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NetTopologySuite.IO.VectorTiles;
using NetTopologySuite.IO.VectorTiles.Mapbox;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Tiles;

/// <summary>
/// Vector tiles decoded by an independent reader (NetTopologySuite.IO.VectorTiles.Mapbox) and checked against the database:
/// which features, which attributes, where; caching headers; empty and bad tiles.
/// </summary>
public sealed class TileTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    /// <summary>The XYZ tile holding a point (Web Mercator, y from the north).</summary>
    public static (int X, int Y) TileOf(int z, double lat, double lng)
    {
        var n = 1 << z;
        var x = (int)Math.Floor((lng + 180) / 360 * n);
        var r = lat * Math.PI / 180;
        var y = (int)Math.Floor((1 - (Math.Log(Math.Tan(r) + (1 / Math.Cos(r))) / Math.PI)) / 2 * n);
        return (x, y);
    }

    public static IList<Layer> Decode(byte[] bytes, int z, int x, int y)
    {
        using var stream = new MemoryStream(bytes);
        return new MapboxTileReader().Read(stream, new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, z)).Layers;
    }

    [Fact]
    public async Task ServicesTile_HoldsEachServiceAtItsPoint_WithAttributes()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        var a = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Police San José", 9.9333, -84.0833, "police"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Clinic San José", 9.9350, -84.0800, "health"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Police Limón", 9.9900, -83.0300, "police"));
        var (x, y) = TileOf(14, 9.9333, -84.0833);

        var response = await Public.GetAsync($"/tiles/services/14/{x}/{y}.mvt");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var layer = Assert.Single(Decode(bytes, 14, x, y));
        var expected = await Factory.WithDbAsync(db => db.ServiceAtLocations
            .Where(s => s.Service!.Name.EndsWith("San José"))
            .Select(s => new { s.Id, s.Service!.Name, s.Location!.PublicPoint })
            .ToListAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.mapbox-vector-tile", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("services", layer.Name);
        Assert.Equal(2, layer.Features.Count);
        foreach (var e in expected)
        {
            var f = layer.Features.Single(f => (string)f.Attributes["id"] == e.Id.ToString());
            Assert.Equal(e.Name, f.Attributes["service_name"]);
            // A z14 tile has 4096 units over ~2.4 km: a unit is ~0.6 m, about 6e-6 degrees.
            Assert.Equal(e.PublicPoint!.X, f.Geometry.Coordinate.X, 4);
            Assert.Equal(e.PublicPoint!.Y, f.Geometry.Coordinate.Y, 4);
        }
        var police = layer.Features.Single(f => (string)f.Attributes["id"] == a.GetProperty("service_at_locations")[0].GetProperty("id").GetString());
        Assert.Equal("police", police.Attributes["categories"]);
        Assert.Equal("active", police.Attributes["status"]);
        Assert.Equal(false, police.Attributes["approximate"]);
        Assert.Equal(1L, Convert.ToInt64(police.Attributes["point_count"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ServicesTile_BelowZoom13_MergesServicesOfOneCell_WithTheirCount_ALoneServiceKeepsItsAttributes()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Police", 9.93330, -84.08330, "police"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Clinic", 9.93335, -84.08335, "health"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Lone", 9.96, -84.05, "health"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Hidden", 9.96, -84.06, "police", "hidden"));
        var (x, y) = TileOf(10, 9.9333, -84.0833);
        var (hx, hy) = TileOf(14, 9.9333, -84.0833);

        var low = Assert.Single(Decode(await Public.GetByteArrayAsync($"/tiles/services/10/{x}/{y}.mvt"), 10, x, y));
        var high = Assert.Single(Decode(await Public.GetByteArrayAsync($"/tiles/services/14/{hx}/{hy}.mvt"), 14, hx, hy));

        Assert.Equal(2, low.Features.Count); // the hidden service is in no cell
        var cluster = low.Features.Single(f => Convert.ToInt64(f.Attributes["point_count"], System.Globalization.CultureInfo.InvariantCulture) == 2);
        Assert.DoesNotContain("service_name", cluster.Attributes.GetNames());
        Assert.DoesNotContain("categories", cluster.Attributes.GetNames());
        var lone = low.Features.Single(f => Convert.ToInt64(f.Attributes["point_count"], System.Globalization.CultureInfo.InvariantCulture) == 1);
        Assert.Equal("Lone", lone.Attributes["service_name"]);
        Assert.Equal("health", lone.Attributes["categories"]);
        // The cell is 1/64 of a z10 tile (~0.0055°): its centre is within one cell of the services.
        Assert.Equal(-84.0833, cluster.Geometry.Coordinate.X, 1);
        Assert.Equal(2, high.Features.Count);
    }

    /// <summary>Longitude/latitude bounds of an XYZ tile (Web Mercator).</summary>
    private static (double West, double South, double East, double North) BoundsOf(int z, int x, int y)
    {
        var n = (double)(1 << z);
        static double Lat(double row, double n) => Math.Atan(Math.Sinh(Math.PI * (1 - (2 * row / n)))) * 180 / Math.PI;
        return ((x / n * 360) - 180, Lat(y + 1, n), ((x + 1) / n * 360) - 180, Lat(y, n));
    }

    private static long Count(NetTopologySuite.Features.IFeature f) => Convert.ToInt64(f.Attributes["point_count"], System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(10)]
    [InlineData(12)]
    public async Task ServicesTile_BelowZoom13_CellCountsSumToThePublicPointsOfTheTile_AndNoCellCountsOrShowsAHiddenPlace(int z)
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        // Two public services in one cell with a hidden one among them; a public one alone; an approximate one (at its
        // generalised point); a hidden one alone in its cell; one far outside the tile (Limón).
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Police", 9.93330, -84.08330, "police"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Clinic", 9.93335, -84.08335, "health"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Hidden among them", 9.93332, -84.08332, "shelter", "hidden"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Lone", 9.9400, -84.0700, "health"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Approximate", 9.9500, -84.1000, "shelter", "approximate"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Hidden alone", 9.9100, -84.1100, "shelter", "hidden"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Limón", 9.9900, -83.0300, "police"));
        var (x, y) = TileOf(z, 9.9333, -84.0833);
        var (west, south, east, north) = BoundsOf(z, x, y);
        var rows = await Factory.WithDbAsync(db => db.ServiceAtLocations
            .Select(s => new { s.Service!.Name, s.Location!.Visibility, s.Location.Point, s.Location.PublicPoint }).ToListAsync());
        bool Inside(NetTopologySuite.Geometries.Point p) => p.X > west && p.X < east && p.Y > south && p.Y < north;
        var publicInTile = rows.Where(r => r.PublicPoint is { } p && Inside(p)).ToList();

        var layer = Assert.Single(Decode(await Public.GetByteArrayAsync($"/tiles/services/{z}/{x}/{y}.mvt"), z, x, y));

        // Every public point of the tile is counted once (none lies near the tile's edge, so no cell leaves the tile).
        // Police, Clinic, Lone (and Approximate when its generalised point falls in the tile), never Limón or a hidden one.
        Assert.Superset(new HashSet<string> { "Police", "Clinic", "Lone" }, publicInTile.Select(r => r.Name).ToHashSet());
        Assert.DoesNotContain(publicInTile, r => r.Name is "Limón" || r.Visibility == "hidden");
        Assert.All(layer.Features, f => Assert.True(Inside((NetTopologySuite.Geometries.Point)f.Geometry)));
        Assert.Equal(publicInTile.Count, layer.Features.Sum(Count));
        // The two public services share a cell: the hidden one among them adds nothing to its count.
        var cluster = layer.Features.Single(f => Count(f) > 1);
        Assert.Equal(2, Count(cluster));
        Assert.DoesNotContain("service_name", cluster.Attributes.GetNames());
        // A cell is 1/64 of the tile wide: no feature lies within two cells of the hidden place that is alone.
        var cell = (east - west) / 64;
        var hidden = rows.Single(r => r.Name == "Hidden alone").Point!;
        Assert.All(layer.Features, f => Assert.True(
            Math.Abs(f.Geometry.Coordinate.X - hidden.X) > 2 * cell || Math.Abs(f.Geometry.Coordinate.Y - hidden.Y) > 2 * cell,
            $"a feature at {f.Geometry.Coordinate} is within two cells of a hidden place"));
        Assert.All(layer.Features.Where(f => Count(f) == 1), f => Assert.DoesNotContain("Hidden", (string)f.Attributes["service_name"]));
        // The approximate service's lone cell is at its generalised point (within half a cell), never at its exact one.
        var approximate = rows.Single(r => r.Name == "Approximate");
        if (!Inside(approximate.PublicPoint!))
        {
            return;
        }
        var shown = layer.Features.Single(f => Count(f) == 1 && (string)f.Attributes["service_name"] == "Approximate");
        Assert.Equal(true, shown.Attributes["approximate"]);
        Assert.True(Math.Abs(shown.Geometry.Coordinate.X - approximate.PublicPoint!.X) <= cell);
        Assert.True(Math.Abs(shown.Geometry.Coordinate.Y - approximate.PublicPoint!.Y) <= cell);
    }

    [Fact]
    public async Task ServicesTile_FromZoom13_HoldsEachPublicServiceAtItsPublicPoint_NeverAHiddenOne()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Police", 9.93330, -84.08330, "police"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Clinic", 9.93335, -84.08335, "health"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Hidden among them", 9.93332, -84.08332, "shelter", "hidden"));
        const int Z13 = Referral.Api.Features.Tiles.TileQueries.ClusterBelowZoom;
        var (x, y) = TileOf(Z13, 9.9333, -84.0833);
        var (cx, cy) = TileOf(Z13 - 1, 9.9333, -84.0833);

        var exact = Assert.Single(Decode(await Public.GetByteArrayAsync($"/tiles/services/{Z13}/{x}/{y}.mvt"), Z13, x, y));
        var merged = Assert.Single(Decode(await Public.GetByteArrayAsync($"/tiles/services/{Z13 - 1}/{cx}/{cy}.mvt"), Z13 - 1, cx, cy));

        Assert.Equal(["Clinic", "Police"], exact.Features.Select(f => (string)f.Attributes["service_name"]).Order());
        Assert.All(exact.Features, f => Assert.Equal(1L, Count(f)));
        Assert.Equal(2L, Count(Assert.Single(merged.Features)));
    }

    [Fact]
    public async Task TileCache_ServesRepeatsFromMemory_AndDropsThemWhenTheDataChanges()
    {
        // Other tests run with the cache off (Tiles:CacheMegabytes=0 in the factory), so each sees its writes at once.
        using var factory = new ReferralApiFactory { Settings = { ["Tiles:CacheMegabytes"] = "16" } };
        await ((IAsyncLifetime)factory).InitializeAsync();
        try
        {
            await factory.Services.GetRequiredService<Referral.Api.Data.DbNotifications>().Listening;
            await TestData.EnsureCategoriesAsync(factory);
            using var admin = factory.CreateClient(factory.AdminKey);
            using var anonymous = factory.CreateClient();
            var org = await TestData.CreateOrganizationAsync(admin, "Org");
            var service = (await TestData.CreateServiceAsync(admin, TestData.Service(org, "Before", 9.9333, -84.0833, "police"))).GetProperty("id").GetGuid();
            var (x, y) = TileOf(14, 9.9333, -84.0833);
            var url = $"/tiles/services/14/{x}/{y}.mvt";
            async Task<object> NameAsync() =>
                Assert.Single(Assert.Single(Decode(await anonymous.GetByteArrayAsync(url), 14, x, y)).Features).Attributes["service_name"];
            async Task RenameAsync(string name, bool silently)
            {
                await using var conn = await factory.OpenAsync();
                // session_replication_role = replica: no trigger fires, so no change is signalled.
                await using var cmd = new Npgsql.NpgsqlCommand(
                    (silently ? "SET session_replication_role = replica; " : "") + "UPDATE service SET name = @name WHERE id = @id", conn);
                cmd.Parameters.AddWithValue("name", name);
                cmd.Parameters.AddWithValue("id", service);
                await cmd.ExecuteNonQueryAsync();
            }

            Assert.Equal("Before", await NameAsync());
            await RenameAsync("Silent", silently: true);
            Assert.Equal("Before", await NameAsync()); // served from memory: the database was not asked again

            await RenameAsync("After", silently: false); // any write (here plain SQL) signals every instance
            var seen = await NameAsync();
            for (var i = 0; i < 100 && !Equals(seen, "After"); i++)
            {
                await Task.Delay(100);
                seen = await NameAsync();
            }
            Assert.Equal("After", seen);
        }
        finally
        {
            await ((IAsyncLifetime)factory).DisposeAsync();
        }
    }

    [Fact]
    public async Task Tile_HasETagAndCacheControl_304OnIfNoneMatch_204WhenEmpty()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Police", 9.9333, -84.0833, "police"));
        var (x, y) = TileOf(12, 9.9333, -84.0833);

        var first = await Public.GetAsync($"/tiles/services/12/{x}/{y}.mvt");
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/tiles/services/12/{x}/{y}.mvt");
        again.Headers.TryAddWithoutValidation("If-None-Match", first.Headers.ETag!.ToString());
        var cached = await Public.SendAsync(again);
        var empty = await Public.GetAsync($"/tiles/services/12/{x + 5}/{y}.mvt");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("max-age", first.Headers.CacheControl!.ToString());
        Assert.True(first.Headers.CacheControl.Public);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
    }

    [Theory]
    [InlineData("/tiles/services/23/0/0.mvt", "z")]
    [InlineData("/tiles/services/-1/0/0.mvt", "z")]
    [InlineData("/tiles/services/2/4/0.mvt", "x")]
    [InlineData("/tiles/services/2/0/4.mvt", "y")]
    [InlineData("/tiles/services/a/0/0.mvt", "z")]
    public async Task BadTileAddress_Is400WithCode(string url, string field)
    {
        var response = await Public.GetAsync(url);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("VALIDATION_FAILED", body.GetProperty("code").GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task UnknownTileSet_Is404_AndTileJsonDescribesTheSet()
    {
        var missing = await Public.GetAsync("/tiles/places/0/0/0.mvt");
        var tileJson = await Public.GetFromJsonAsync<JsonElement>("/tiles/services.json");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("3.0.0", tileJson.GetProperty("tilejson").GetString());
        Assert.EndsWith("/tiles/services/{z}/{x}/{y}.mvt", tileJson.GetProperty("tiles")[0].GetString());
        Assert.Equal("services", tileJson.GetProperty("vector_layers")[0].GetProperty("id").GetString());
        Assert.Contains("Below zoom 13", tileJson.GetProperty("description").GetString());
        Assert.Contains("point_count", tileJson.GetProperty("description").GetString());
    }

    [Fact]
    public async Task RegionTile_ClipsTheOutline_AndGapTilesCarryTheExportFigures()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        await Gaps.GapWorld.ServiceAsync(Client, org, "Police", "police", 5);
        await TestData.AddRegionAsync(Factory, "CR-SJ", Gaps.GapWorld.Lat0, Gaps.GapWorld.Lng0, 1.0, level: 1);
        await Gaps.GapWorld.ImportCsvAsync(Client, "towns",
            $"name,lat,lng,population,settlement_class,region_code\nCapital,{Gaps.GapWorld.F(Gaps.GapWorld.North(1))},{Gaps.GapWorld.F(Gaps.GapWorld.Lng0)},80000,,CR-SJ\n");
        var analysis = await Gaps.GapWorld.AnalyseAsync(Client, new { dataset = "towns", categories = new[] { "police" } });
        var id = analysis.GetProperty("id").GetGuid();
        var (x, y) = TileOf(8, Gaps.GapWorld.Lat0, Gaps.GapWorld.Lng0);
        var export = await Gaps.GapWorld.PointsAsync(Client, analysis);

        var regions = Decode(await Public.GetByteArrayAsync($"/tiles/regions/8/{x}/{y}.mvt"), 8, x, y).Single();
        var settlements = Decode(await Public.GetByteArrayAsync($"/tiles/gap_{id:N}_settlements/8/{x}/{y}.mvt"), 8, x, y).Single();
        var gapRegions = Decode(await Public.GetByteArrayAsync($"/tiles/gap_{id:N}_regions/8/{x}/{y}.mvt"), 8, x, y).Single();

        Assert.Equal("CR-SJ", Assert.Single(regions.Features).Attributes["code"]);
        var capital = Assert.Single(settlements.Features);
        Assert.Equal($"gap_{id:N}_settlements", settlements.Name);
        Assert.Equal(export["Capital"].GetProperty("police_distance_m").GetDouble(), Convert.ToDouble(capital.Attributes["police_distance_m"], System.Globalization.CultureInfo.InvariantCulture), 3);
        Assert.Equal(Gaps.GapWorld.North(1), capital.Geometry.Coordinate.Y, 2);
        Assert.Equal("CR-SJ", Assert.Single(gapRegions.Features).Attributes["region_code"]);
    }
}
