using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Referral.Api.Tests.Features.Tiles;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Ogc;

/// <summary>
/// The OGC API and the tiles read by real GIS clients over HTTP: GDAL (the library QGIS uses: OAPIF and MVT drivers,
/// ogr2ogr to GeoPackage) and OWSLib. Public view: 3 public services and an approximate one; a hidden one never shows.
/// </summary>
[Collection(RealServerCollection.Name)]
public sealed partial class OgcClientTests(RealServerFixture fixture) : IAsyncLifetime
{
    private readonly ReferralApiFactory _factory = fixture.Factory;
    private string _root = "";

    public async Task InitializeAsync()
    {
        GisClients.Require();
        await _factory.ResetDatabaseAsync();
        await TestData.EnsureCategoriesAsync(_factory);
        using var admin = _factory.CreateClient(_factory.AdminKey);
        var org = await TestData.CreateOrganizationAsync(admin, "Org");
        await TestData.CreateServiceAsync(admin, TestData.Service(org, "Police San Jose", 9.9333, -84.0833, "police"));
        await TestData.CreateServiceAsync(admin, TestData.Service(org, "Clinic San Jose", 9.9350, -84.0800, "health"));
        await TestData.CreateServiceAsync(admin, TestData.Service(org, "Police Limon", 9.9900, -83.0300, "police"));
        await TestData.CreateServiceAsync(admin, TestData.Service(org, "Shelter", 10.3000, -84.5000, "shelter", "approximate"));
        await TestData.CreateServiceAsync(admin, TestData.Service(org, "Safe house", 9.9340, -84.0820, "shelter", "hidden"));
        await TestData.AddRegionAsync(_factory, "CR-SJ", 9.9, -84.0, 0.5, level: 1);
        _root = _factory.ServerAddress.ToString().TrimEnd('/');
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Ogrinfo_ListsTheCollections_AndReadsServicesInABox()
    {
        var layers = await GisClients.RunAsync("ogrinfo", "-ro", "-q", $"OAPIF:{_root}/ogc");
        var box = await GisClients.RunAsync("ogrinfo", "-ro", "-q", $"OAPIF:{_root}/ogc", "services", "-spat", "-84.2", "9.8", "-84.0", "10.0");

        Assert.Contains("services", layers);
        Assert.Contains("regions", layers);
        Assert.Contains("places", layers);
        Assert.Equal(2, FeatureCount().Count(box));
        Assert.Contains("service_name (String) = Police San Jose", box);
        Assert.Contains("service_name (String) = Clinic San Jose", box);
        Assert.DoesNotContain("Safe house", box);
        Assert.Contains("POINT (-84.0833 9.9333)", box);
    }

    [Fact]
    public async Task Ogr2ogr_CopiesServicesAndRegionsToGeoPackage_WithTheRightCounts()
    {
        var folder = Directory.CreateTempSubdirectory("referral-ogc-");
        try
        {
            var gpkg = Path.Combine(folder.FullName, "directory.gpkg");
            await GisClients.RunAsync("ogr2ogr", "-f", "GPKG", gpkg, $"OAPIF:{_root}/ogc", "services", "regions");
            var services = await GisClients.RunAsync("ogrinfo", "-ro", "-so", gpkg, "services");
            var regions = await GisClients.RunAsync("ogrinfo", "-ro", "-so", gpkg, "regions");
            var all = await GisClients.RunAsync("ogrinfo", "-ro", "-q", gpkg, "services");

            Assert.Contains("Feature Count: 4", services);
            Assert.Contains("Feature Count: 1", regions);
            Assert.DoesNotContain("Safe house", all);
            Assert.Contains("approximate (Integer(Boolean)) = 1", all);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task GdalMvtDriver_ReadsAServicesTile_WithItsFeaturesAndAttributes()
    {
        var (x, y) = TileTests.TileOf(14, 9.9333, -84.0833);

        var tile = await GisClients.RunAsync("ogrinfo", "-ro", "-q", $"MVT:{_root}/tiles/services/14/{x}/{y}.mvt", "services");

        Assert.Equal(2, FeatureCount().Count(tile));
        Assert.Contains("service_name (String) = Police San Jose", tile);
        Assert.Contains("categories (String) = police", tile);
        Assert.DoesNotContain("Safe house", tile);
        // GDAL reports tile coordinates in EPSG:3857; the police point's x is -84.0833° → -9 360 080 m (±20 m; a z14 unit is ~0.6 m).
        var xs = PointX().Matches(tile).Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(xs, v => Math.Abs(v - (-84.0833 * 20037508.342789244 / 180)) < 20);
    }

    [Fact]
    public async Task OwsLib_ReadsTheLandingPageCollectionsAndItems()
    {
        var script = """
            import json, sys
            from owslib.ogcapi.features import Features
            api = Features(sys.argv[1])
            collections = [c["id"] for c in api.collections()["collections"]]
            conformance = api.conformance()["conformsTo"]
            items = api.collection_items("services", bbox=[-84.2, 9.8, -84.0, 10.0], limit=10)
            one = api.collection_item("services", items["features"][0]["id"])
            definition = api.api()
            print(json.dumps({"title": api.links and api.response.get("title"), "collections": collections, "conformance": conformance,
                              "matched": items["numberMatched"], "names": sorted(f["properties"]["service_name"] for f in items["features"]),
                              "one": one["id"] == items["features"][0]["id"],
                              "openapi": "/ogc/collections/{collectionId}/items" in definition["paths"]}))
            """;

        var output = await GisClients.RunAsync(GisClients.Python, "-c", script, $"{_root}/ogc");
        var result = JsonNode.Parse(output)!;

        Assert.StartsWith("Referral", (string?)result["title"]);
        Assert.Equal(["services", "regions", "places"], result["collections"]!.AsArray().Select(c => (string)c!).ToArray());
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", result["conformance"]!.AsArray().Select(c => (string?)c));
        Assert.Equal(2, (int)result["matched"]!);
        Assert.Equal(["Clinic San Jose", "Police San Jose"], result["names"]!.AsArray().Select(c => (string)c!).ToArray());
        Assert.True((bool)result["one"]!);
        Assert.True((bool)result["openapi"]!);
    }

    [GeneratedRegex(@"OGRFeature\(services\):\d+")]
    private static partial Regex FeatureCount();

    [GeneratedRegex(@"POINT \((-?[0-9.]+) -?[0-9.]+\)")]
    private static partial Regex PointX();
}
