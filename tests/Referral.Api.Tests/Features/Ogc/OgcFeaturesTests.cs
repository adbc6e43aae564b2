using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Features.Gaps;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Ogc;

/// <summary>OGC API – Features Part 1 behaviour at /ogc: resources, paging, filters, errors, and the gap/demand collections.</summary>
public sealed class OgcFeaturesTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Three public services: two in San José (police, health), one in Limón (police, 80 km east).</summary>
    private async Task<(Guid Org, Guid SanJose, Guid Clinic, Guid Limon)> ArrangeAsync()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org A");
        var other = await TestData.CreateOrganizationAsync(Client, "Org B");
        var a = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Police San José", 9.9333, -84.0833, "police"));
        var clinic = TestData.Service(other, "Clinic San José", 9.9350, -84.0800, "health");
        clinic["languages"] = new JsonArray(new JsonObject { ["code"] = "en" });
        clinic["minimum_age"] = 12;
        var b = await TestData.CreateServiceAsync(Client, clinic);
        var c = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Police Limón", 9.9900, -83.0300, "police"));
        return (org, Sal(a), Sal(b), Sal(c));
    }

    private static Guid Sal(JsonElement service) => service.GetProperty("service_at_locations")[0].GetProperty("id").GetGuid();

    private async Task<JsonElement> GetJsonAsync(string url, string mediaType = "application/json")
    {
        var response = await Public.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {text}");
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement;
    }

    private static string[] Ids(JsonElement collection) =>
        [.. collection.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).Order(StringComparer.Ordinal)];

    private static string[] Sorted(params Guid[] ids) => [.. ids.Select(i => i.ToString()).Order(StringComparer.Ordinal)];

    private static string? Link(JsonElement doc, string rel) =>
        doc.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("rel").GetString() == rel).Select(l => l.GetProperty("href").GetString()).FirstOrDefault();

    [Fact]
    public async Task ServiceItems_EachFeatureOfAPage_CarriesItsOwnCategories_AndItsLocationsFirstAddress()
    {
        // Read for the whole page after its rows (OgcFeatures.ExtrasAsync): each feature must get its own.
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        var two = TestData.Service(org, "Two categories", 9.9333, -84.0833, "police");
        two["categories"] = new JsonArray("shelter", "health", "police");
        var location = two["service_at_locations"]![0]!["location"]!.AsObject();
        location["addresses"] = new JsonArray(
            new JsonObject { ["address_1"] = "Primera 1", ["city"] = "San José", ["postal_code"] = "10101", ["country"] = "CR" },
            new JsonObject { ["address_1"] = "Segunda 2", ["city"] = "Heredia", ["postal_code"] = "40101", ["country"] = "CR" });
        var twoId = (await TestData.CreateServiceAsync(Client, two)).GetProperty("service_at_locations")[0].GetProperty("id").GetString();
        var none = TestData.Service(org, "No address", 9.9350, -84.0800, "health");
        none["service_at_locations"]![0]!["location"]!.AsObject()["addresses"] = new JsonArray();
        var noneId = (await TestData.CreateServiceAsync(Client, none)).GetProperty("service_at_locations")[0].GetProperty("id").GetString();
        var oneId = (await TestData.CreateServiceAsync(Client, TestData.Service(org, "One", 9.9360, -84.0810, "legal_aid")))
            .GetProperty("service_at_locations")[0].GetProperty("id").GetString();
        var firstAddressId = await Factory.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            db.Addresses.Where(a => db.Locations.Any(l => l.Id == a.LocationId && l.Name == "Two categories office")).OrderBy(a => a.Id).Select(a => a.Address1).Take(1)));

        var page = await GetJsonAsync("/ogc/collections/services/items?bbox=-84.2,9.8,-84.0,10.0", "application/geo+json");
        var features = page.GetProperty("features").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("properties"));

        Assert.Equal(3, features.Count);
        Assert.Equal("health,police,shelter", features[twoId!].GetProperty("categories").GetString());
        var address = features[twoId!].GetProperty("address").GetString()!;
        Assert.StartsWith(firstAddressId + ",", address, StringComparison.Ordinal); // the address with the lowest id
        Assert.Equal(firstAddressId == "Primera 1" ? "Primera 1, 10101, San José, CR" : "Segunda 2, 40101, Heredia, CR", address);
        Assert.Equal("health", features[noneId!].GetProperty("categories").GetString());
        Assert.Equal(JsonValueKind.Null, features[noneId!].GetProperty("address").ValueKind);
        Assert.Equal("legal_aid", features[oneId!].GetProperty("categories").GetString());
        Assert.Equal("Calle Prueba 1, 10101, San José, CR", features[oneId!].GetProperty("address").GetString());
    }

    [Fact]
    public async Task LandingPage_LinksApiDefinitionConformanceAndData_AndDeclaresOnlyWhatIsServed()
    {
        var landing = await GetJsonAsync("/ogc");
        var conformance = await GetJsonAsync("/ogc/conformance");

        Assert.EndsWith("/swagger/v1/swagger.json", Link(landing, "service-desc"));
        Assert.EndsWith("/ogc/conformance", Link(landing, "conformance"));
        Assert.EndsWith("/ogc/collections", Link(landing, "data"));
        Assert.Equal(
            ["http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"],
            conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()!).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task OpenApiDocument_IsOas30_AndDescribesTheOgcRoutesAndTheirParameters()
    {
        var doc = await GetJsonAsync("/swagger/v1/swagger.json");

        Assert.StartsWith("3.0", doc.GetProperty("openapi").GetString());
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/{collectionId}",
            "/ogc/collections/{collectionId}/items", "/ogc/collections/{collectionId}/items/{featureId}", "/tiles/{tileSet}/{z}/{x}/{y}.mvt" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"the OpenAPI document lacks {path}");
        }
        var parameters = paths.GetProperty("/ogc/collections/{collectionId}/items").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "limit", "offset", "bbox", "datetime", "category", "status", "language", "age", "organization_id", "f" }, parameters);
    }

    [Fact]
    public async Task Items_WithBbox_ReturnOnlyFeaturesInside_WithCountsAndPagingLinks()
    {
        var (_, sanJose, clinic, limon) = await ArrangeAsync();

        var all = await GetJsonAsync("/ogc/collections/services/items", "application/geo+json");
        var city = await GetJsonAsync("/ogc/collections/services/items?bbox=-84.2,9.8,-84.0,10.0", "application/geo+json");
        var first = await GetJsonAsync("/ogc/collections/services/items?bbox=-84.2,9.8,-84.0,10.0&limit=1", "application/geo+json");
        var next = await GetJsonAsync(Link(first, "next")!, "application/geo+json");

        Assert.Equal(3, all.GetProperty("numberMatched").GetInt32());
        Assert.Equal(Sorted(clinic, sanJose), Ids(city));
        Assert.DoesNotContain(limon.ToString(), Ids(city));
        Assert.False(first.TryGetProperty("numberMatched", out _), "a page that is followed by another does not count");
        Assert.Equal(1, first.GetProperty("numberReturned").GetInt32());
        Assert.True(first.TryGetProperty("timeStamp", out _));
        Assert.Contains("offset=1", Link(first, "next"));
        Assert.Contains("bbox=", Link(first, "next"));
        Assert.Null(Link(first, "prev"));
        Assert.EndsWith("/ogc/collections/services", Link(first, "collection"));
        Assert.Equal(1, next.GetProperty("numberReturned").GetInt32());
        Assert.Equal(2, next.GetProperty("numberMatched").GetInt32()); // the last page: offset + returned
        Assert.Null(Link(next, "next"));
        Assert.NotNull(Link(next, "prev"));
        Assert.NotEqual(Ids(first)[0], Ids(next)[0]);
        var police = city.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("id").GetString() == sanJose.ToString());
        var xy = police.GetProperty("geometry").GetProperty("coordinates");
        Assert.Equal(-84.0833, xy[0].GetDouble(), 6);
        Assert.Equal(9.9333, xy[1].GetDouble(), 6);
        Assert.Equal("police", police.GetProperty("properties").GetProperty("categories").GetString());
        Assert.Equal("Police San José", police.GetProperty("properties").GetProperty("service_name").GetString());
    }

    [Fact]
    public async Task Items_PropertyFilters_SelectByCategoryLanguageAgeOrganizationStatusAndTime()
    {
        var (org, sanJose, clinic, limon) = await ArrangeAsync();

        Assert.Equal(Sorted(limon, sanJose), Ids(await GetJsonAsync("/ogc/collections/services/items?category=police", "application/geo+json")));
        Assert.Equal([clinic.ToString()], Ids(await GetJsonAsync("/ogc/collections/services/items?language=en", "application/geo+json")));
        Assert.Equal(Sorted(limon, sanJose), Ids(await GetJsonAsync("/ogc/collections/services/items?age=8", "application/geo+json")));
        Assert.Equal(Sorted(limon, sanJose), Ids(await GetJsonAsync($"/ogc/collections/services/items?organization_id={org}", "application/geo+json")));
        Assert.Empty(Ids(await GetJsonAsync("/ogc/collections/services/items?status=inactive", "application/geo+json")));
        Assert.Equal(3, Ids(await GetJsonAsync("/ogc/collections/services/items?datetime=2000-01-01T00:00:00Z/..", "application/geo+json")).Length);
        Assert.Empty(Ids(await GetJsonAsync("/ogc/collections/services/items?datetime=../2000-01-01T00:00:00Z", "application/geo+json")));
    }

    [Theory]
    [InlineData("bbox=1,2,3", "bbox")]
    [InlineData("bbox=-84,10,-83,9", "bbox")]
    [InlineData("bbox=-200,9,-83,10", "bbox")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("datetime=yesterday", "datetime")]
    [InlineData("status=open", "status")]
    [InlineData("age=old", "age")]
    [InlineData("organization_id=42", "organization_id")]
    [InlineData("colour=red", "colour")]
    [InlineData("f=html", "f")]
    public async Task Items_BadParameter_Is400WithCodeAndField(string query, string field)
    {
        var response = await Public.GetAsync($"/ogc/collections/services/items?{query}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("VALIDATION_FAILED", body.GetProperty("code").GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Fact]
    public async Task Items_ServiceFilterOnOtherCollection_Is400_AndLimitAboveMaximumIsReduced()
    {
        await ArrangeAsync();

        var regions = await Public.GetAsync("/ogc/collections/regions/items?category=police");
        var big = await GetJsonAsync("/ogc/collections/services/items?limit=100000", "application/geo+json");

        Assert.Equal(HttpStatusCode.BadRequest, regions.StatusCode);
        Assert.Equal(3, big.GetProperty("numberReturned").GetInt32());
        Assert.Contains("limit=1000", Link(big, "self"));
    }

    [Fact]
    public async Task Item_ById_HasLinks_AndUnknownIdsAre404ProblemDetails()
    {
        var (_, sanJose, _, _) = await ArrangeAsync();

        var feature = await GetJsonAsync($"/ogc/collections/services/items/{sanJose}", "application/geo+json");
        var missing = await Public.GetAsync($"/ogc/collections/services/items/{Guid.NewGuid()}");
        var notAGuid = await Public.GetAsync("/ogc/collections/services/items/xyz");
        var noCollection = await Public.GetAsync("/ogc/collections/nothing/items");

        Assert.Equal("Feature", feature.GetProperty("type").GetString());
        Assert.Equal(sanJose.ToString(), feature.GetProperty("id").GetString());
        Assert.EndsWith($"/ogc/collections/services/items/{sanJose}", Link(feature, "self"));
        Assert.EndsWith("/ogc/collections/services", Link(feature, "collection"));
        foreach (var response in new[] { missing, notAGuid, noCollection })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("NOT_FOUND", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task RegionsPlacesDemandAndGapCollections_ServeTheirFeatures_WithTheExportsFigures()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        await GapWorld.ServiceAsync(Client, org, "Police", "police", 5);
        await TestData.AddRegionAsync(Factory, "CR-SJ", GapWorld.Lat0, GapWorld.Lng0, 1.0, level: 1);
        await TestData.AddPlaceAsync(Factory, "Townsville", 12000, 9.5, -84.5, "CR-SJ");
        var dataset = await GapWorld.ImportCsvAsync(Client, "towns", $"""
            name,lat,lng,population,settlement_class,region_code
            Capital,{F(GapWorld.North(1))},{F(GapWorld.Lng0)},80000,,CR-SJ
            Village,{F(GapWorld.North(30))},{F(GapWorld.Lng0)},800,,CR-SJ
            """);
        var analysis = await GapWorld.AnalyseAsync(Client, new { dataset = "towns", categories = new[] { "police" } });
        var datasetId = dataset.GetProperty("dataset").GetProperty("id").GetGuid();
        var analysisId = analysis.GetProperty("id").GetGuid();

        var collections = (await GetJsonAsync("/ogc/collections")).GetProperty("collections").EnumerateArray()
            .Select(c => c.GetProperty("id").GetString()).ToList();
        var region = await GetJsonAsync("/ogc/collections/regions/items/CR-SJ", "application/geo+json");
        var places = await GetJsonAsync("/ogc/collections/places/items?bbox=-85,9,-84,10", "application/geo+json");
        var demand = await GetJsonAsync($"/ogc/collections/demand_{datasetId:N}/items", "application/geo+json");
        var settlements = await GetJsonAsync($"/ogc/collections/gap_{analysisId:N}_settlements/items?limit=100", "application/geo+json");
        var regions = await GetJsonAsync($"/ogc/collections/gap_{analysisId:N}_regions/items", "application/geo+json");
        var export = await GapWorld.PointsAsync(Client, analysis);

        Assert.Equal(["services", "regions", "places", $"demand_{datasetId:N}", $"gap_{analysisId:N}_settlements", $"gap_{analysisId:N}_regions"], collections);
        Assert.Equal("MultiPolygon", region.GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal("Townsville", places.GetProperty("features")[0].GetProperty("properties").GetProperty("name").GetString());
        Assert.Equal(2, demand.GetProperty("numberMatched").GetInt32());
        Assert.Equal(2, settlements.GetProperty("numberMatched").GetInt32());
        foreach (var f in settlements.GetProperty("features").EnumerateArray())
        {
            var p = f.GetProperty("properties");
            Assert.Equal(export[p.GetProperty("name").GetString()!].ToString(), p.ToString());
        }
        var sj = regions.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "CR-SJ").GetProperty("properties");
        Assert.Equal(GapWorld.Number(GapWorld.Group(analysis, "CR-SJ", "all", "police"), "mean_distance_m"), sj.GetProperty("police_mean_distance_m").GetDouble());
        var north = await GetJsonAsync($"/ogc/collections/gap_{analysisId:N}_settlements/items?bbox=-84.1,{F(GapWorld.North(20))},-83.9,{F(GapWorld.North(40))}", "application/geo+json");
        Assert.Equal("Village", north.GetProperty("features").EnumerateArray().Single().GetProperty("properties").GetProperty("name").GetString());
    }
}
