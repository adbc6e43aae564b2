using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Referral.Api.Infrastructure;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>Demand datasets (CSV, GeoJSON, multipart) and region outlines: validated row by row, stored all or nothing.</summary>
public sealed class DemandImportTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private async Task<JsonElement[]> DatasetsAsync() => [.. (await Client.GetFromJsonAsync<JsonElement>("/api/demand_datasets")).GetProperty("contents").EnumerateArray()];

    [Fact]
    public async Task ImportCsv_Valid_StoresEverySettlement_AndSummarises()
    {
        var report = await ImportCsvAsync(Client, "valid", """
            name,lat,lng,population,settlement_class,region_code
            "San José, centro",9.9333,-84.0833,288054,city,cr-sj
            Tiny,10.1,-84.2,12,,CR-A
            Empty place,10.2,-84.3,0,Urban Centre,
            """);

        var dataset = report.GetProperty("dataset");
        Assert.Equal(3, report.GetProperty("imported").GetInt32());
        Assert.Equal(3, dataset.GetProperty("settlements").GetInt32());
        Assert.Equal(288_066, dataset.GetProperty("population").GetInt64());
        Assert.Equal(2, dataset.GetProperty("with_class").GetInt32());
        Assert.Equal(2, dataset.GetProperty("with_region_code").GetInt32());
        var byId = await Client.GetFromJsonAsync<JsonElement>($"/api/demand_datasets/{dataset.GetProperty("id").GetGuid()}");
        Assert.Equal("valid", byId.GetProperty("name").GetString());
        var classes = await Factory.WithDbAsync(db => Task.FromResult(db.DemandPoints.OrderBy(p => p.Seq).Select(p => p.SettlementClass + "|" + p.RegionCode).ToList()));
        Assert.Equal(["city|CR-SJ", "|CR-A", "urban_centre|"], classes);
    }

    [Fact]
    public async Task ImportCsv_BadRows_ListsEachProblemByRow_AndStoresNothing()
    {
        var response = await Client.PostAsync("/api/demand_datasets?name=broken", new StringContent("""
            name,lat,lng,population,settlement_class
            Fine,9.9,-84.1,100,
            No latitude,,-84.1,100,
            North of the pole,95,-84.1,100,
            Negative,9.9,-84.1,-5,
            No population,9.9,-84.1,,
            Odd class,9.9,-84.1,10,metropolis
            ,9.9,-84.1,10,
            Zero island,0,0,10,
            Thousands,9.9,-84.1,"1,234",
            """, Encoding.UTF8, "text/csv"));

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        Assert.Equal(["rows[2].lat", "rows[3].lat", "rows[4].population", "rows[5].population", "rows[6].settlement_class", "rows[8].lat", "rows[9].population"],
            Problem.Fields(problem).Order(StringComparer.Ordinal));
        Assert.Contains("7 of 9 rows are invalid", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await DatasetsAsync());
        Assert.Equal(0, await Factory.WithDbAsync(db => Task.FromResult(db.DemandPoints.Count())));
    }

    [Fact]
    public async Task ImportCsv_MissingColumns_OrEmpty_IsAFileError()
    {
        var noLat = await Client.PostAsync("/api/demand_datasets?name=x", new StringContent("name,lng\nA,-84\n", Encoding.UTF8, "text/csv"));
        var empty = await Client.PostAsync("/api/demand_datasets?name=y", new StringContent("", Encoding.UTF8, "text/csv"));
        var noName = await Client.PostAsync("/api/demand_datasets", new StringContent("name,lat,lng\nA,9,-84\n", Encoding.UTF8, "text/csv"));
        var xml = await Client.PostAsync("/api/demand_datasets?name=z", new StringContent("<a/>", Encoding.UTF8, "application/xml"));

        Assert.Equal(["file"], Problem.Fields(await Problem.AssertAsync(noLat, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed)));
        Assert.Equal(["file"], Problem.Fields(await Problem.AssertAsync(empty, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed)));
        Assert.Equal(["name"], Problem.Fields(await Problem.AssertAsync(noName, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed)));
        await Problem.AssertAsync(xml, HttpStatusCode.UnsupportedMediaType, ErrorCodes.UnsupportedMediaType);
    }

    [Fact]
    public async Task ImportCsv_SemicolonsAndDecimalCommas_AsSpreadsheetsWriteThem()
    {
        var report = await ImportCsvAsync(Client, "excel", "Name;Latitude;Longitude;Population\r\nA;9,93;-84,08;100\r\nB;10,5;-85,1;200\r\n");

        Assert.Equal(2, report.GetProperty("imported").GetInt32());
        var lat = await Factory.WithDbAsync(db => Task.FromResult(db.DemandPoints.OrderBy(p => p.Seq).First().Point.Y));
        Assert.Equal(9.93, lat, 9);
    }

    [Fact]
    public async Task ImportCsv_QuotedFields_KeepCommasAndLineBreaks_AnUnclosedQuoteIsAFileError()
    {
        var report = await ImportCsvAsync(Client, "quoted", "name,lat,lng,population,note\n\"San José, centro\",9.93,-84.08,100,\n B,10.5,-85.1,200,\"two\nlines\"\n");
        var broken = await Client.PostAsync("/api/demand_datasets?name=broken",
            new StringContent("name,lat,lng\n\"Unclosed,9.9,-84.1\nB,10,-85\n", Encoding.UTF8, "text/csv"));

        Assert.Equal(2, report.GetProperty("imported").GetInt32());
        var names = await Factory.WithDbAsync(db => Task.FromResult(db.DemandPoints.OrderBy(p => p.Seq).Select(p => p.Name).ToList()));
        Assert.Equal(["San José, centro", "B"], names);
        var problem = await Problem.AssertAsync(broken, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        Assert.Equal(["file"], Problem.Fields(problem));
        Assert.StartsWith("line 2:", problem.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportCsv_EmptyLinesBeforeTheHeader_AreSkipped()
    {
        var report = await ImportCsvAsync(Client, "blank start", "\r\n\nname;lat;lng;population\nA;9,93;-84,08;100\n");

        Assert.Equal(1, report.GetProperty("imported").GetInt32());
    }

    [Fact]
    public async Task ImportGeoJson_Points_WithTheCollectionName()
    {
        var body = """
            {"type":"FeatureCollection","name":"from qgis","features":[
              {"type":"Feature","geometry":{"type":"Point","coordinates":[-84.08,9.93]},"properties":{"name":"A","population":5000,"class":"town","region_code":"CR-SJ"}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[-85.1,10.5,120]},"properties":{"NAME":"B","pop":"40"}}]}
            """;

        var response = await Client.PostAsync("/api/demand_datasets", new StringContent(body, Encoding.UTF8, "application/geo+json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("from qgis", report.GetProperty("dataset").GetProperty("name").GetString());
        Assert.Equal(5040, report.GetProperty("dataset").GetProperty("population").GetInt64());
        Assert.Equal("geojson", report.GetProperty("format").GetString());
    }

    [Fact]
    public async Task ImportGeoJson_BadFeatures_AreRowErrors()
    {
        var body = """
            {"type":"FeatureCollection","name":"bad","features":[
              {"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,1],[1,2]]},"properties":{"name":"Line","population":1}},
              {"type":"Feature","geometry":null,"properties":{"name":"Nowhere","population":1}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[-84,95]},"properties":{"name":"North of the pole","population":1}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[-84,9]},"properties":{"name":"Half a person","population":0.5}}]}
            """;

        var response = await Client.PostAsync("/api/demand_datasets", new StringContent(body, Encoding.UTF8, "application/geo+json"));

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        Assert.Equal(["rows[1].geometry", "rows[2].geometry", "rows[3].geometry", "rows[4].population"], Problem.Fields(problem).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ImportJson_SomeWithoutPopulation_IsRefused_NoneWithoutIsFine()
    {
        var mixed = await Client.PostAsJsonAsync("/api/demand_datasets", new
        {
            name = "mixed",
            points = new object[] { new { name = "A", lat = 9.9, lng = -84.1, population = 10 }, new { name = "B", lat = 9.8, lng = -84.1 } },
        });
        var none = await Client.PostAsJsonAsync("/api/demand_datasets", new
        {
            name = "none",
            points = new object[] { new { name = "A", lat = 9.9, lng = -84.1 }, new { name = "B", lat = 9.8, lng = -84.1, settlement_class = "rural" } },
        });

        Assert.Equal(["rows[2].population"], Problem.Fields(await Problem.AssertAsync(mixed, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed)));
        Assert.Equal(HttpStatusCode.Created, none.StatusCode);
        var report = await none.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(report.GetProperty("dataset").TryGetProperty("population", out _));
        Assert.Single(report.GetProperty("warnings").EnumerateArray());
    }

    [Fact]
    public async Task ImportMultipart_File_WithFormFields()
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("name,lat,lng,population\nA,9.9,-84.1,10\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "towns.csv");
        form.Add(new StringContent("from a form"), "name");
        form.Add(new StringContent("CC BY 4.0"), "license");

        var response = await Client.PostAsync("/api/demand_datasets", form);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var dataset = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dataset");
        Assert.Equal("from a form", dataset.GetProperty("name").GetString());
        Assert.Equal("CC BY 4.0", dataset.GetProperty("license").GetString());
    }

    [Fact]
    public async Task Import_SameName_Is409_UnlessReplace_WhichBumpsTheVersion()
    {
        var first = await ImportCsvAsync(Client, "twice", "name,lat,lng,population\nA,9.9,-84.1,10\n");

        var again = await Client.PostAsync("/api/demand_datasets?name=twice", new StringContent("name,lat,lng,population\nB,9.9,-84.1,10\n", Encoding.UTF8, "text/csv"));
        var replaced = await Client.PostAsync("/api/demand_datasets?name=twice&replace=true",
            new StringContent("name,lat,lng,population\nB,9.9,-84.1,10\nC,9.8,-84.1,20\n", Encoding.UTF8, "text/csv"));

        await Problem.AssertAsync(again, HttpStatusCode.Conflict, ErrorCodes.Conflict);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var after = (await replaced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dataset");
        Assert.Equal(first.GetProperty("dataset").GetProperty("id").GetGuid(), after.GetProperty("id").GetGuid());
        Assert.Equal(2, after.GetProperty("settlements").GetInt32());
        Assert.True(after.GetProperty("version").GetInt64() > first.GetProperty("dataset").GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Import_Anonymous_IsRefused_AndDeleteRemovesTheDataset()
    {
        var report = await ImportCsvAsync(Client, "to delete", "name,lat,lng,population\nA,9.9,-84.1,10\n");
        var id = report.GetProperty("dataset").GetProperty("id").GetGuid();

        var anonymous = await Public.PostAsync("/api/demand_datasets?name=anon", new StringContent("name,lat,lng,population\nA,9.9,-84.1,10\n", Encoding.UTF8, "text/csv"));
        var deleted = await Client.DeleteAsync($"/api/demand_datasets/{id}");
        var gone = await Client.GetAsync($"/api/demand_datasets/{id}");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Problem.AssertAsync(gone, HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    private static string Square(string code, double lng, double lat, double half, string extra = "")
    {
        string P(double x, double y) => $"[{F(x)},{F(y)}]";
        var ring = string.Join(",", P(lng - half, lat - half), P(lng + half, lat - half), P(lng + half, lat + half), P(lng - half, lat + half), P(lng - half, lat - half));
        return "{\"type\":\"Feature\",\"properties\":{\"code\":\"" + code + "\",\"name\":\"Region " + code + "\",\"level\":1,\"parent_code\":\"RR\"" + extra +
            "},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[" + ring + "]]}}";
    }

    private static string Collection(params string[] features) => "{\"type\":\"FeatureCollection\",\"features\":[" + string.Join(",", features) + "]}";

    [Fact]
    public async Task ImportRegions_Valid_AndSelfIntersecting_IsRepairedAndReported()
    {
        // A bow-tie: its ring crosses itself at (-84.0, 9.0).
        var bowtie = """{"type":"Feature","properties":{"code":"rb","name":"Bow tie","level":1,"parent_code":"RR","population":1000,"class":"rural"},"geometry":{"type":"Polygon","coordinates":[[[-84.5,8.5],[-83.5,9.5],[-83.5,8.5],[-84.5,9.5],[-84.5,8.5]]]}}""";
        var body = Collection(Square("RA", -85, 10, 0.5), bowtie);

        var response = await Client.PostAsync("/api/regions", new StringContent(body, Encoding.UTF8, "application/geo+json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, report.GetProperty("created").GetInt32());
        Assert.Equal(1, report.GetProperty("repaired").GetInt32());
        var rb = report.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("code").GetString() == "RB");
        Assert.Contains("repaired", rb.GetProperty("repaired").GetString(), StringComparison.Ordinal);
        var stored = await Factory.WithDbAsync(db => Task.FromResult(db.Regions.Single(r => r.Code == "RB")));
        Assert.True(stored.Geometry!.IsValid);
        Assert.Equal(2, stored.Geometry.NumGeometries);
        Assert.Equal("rural", stored.AreaClass);
        Assert.Equal(1000, stored.Population);
    }

    [Fact]
    public async Task ImportRegions_Unrepairable_OrOutOfRange_IsRejectedWithTheReason_AndNothingIsStored()
    {
        var flat = """{"type":"Feature","properties":{"code":"FLAT","name":"Flat","level":1},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[2,2],[0,0]]]}}""";
        var swapped = """{"type":"Feature","properties":{"code":"SWAP","name":"Swapped","level":1},"geometry":{"type":"Polygon","coordinates":[[[9.9,-184],[10,-184],[10,-185],[9.9,-184]]]}}""";
        var point = """{"type":"Feature","properties":{"code":"PT","name":"Point","level":1},"geometry":{"type":"Point","coordinates":[0,0]}}""";
        var body = Collection(Square("OK", -85, 10, 0.5), flat, swapped, point);

        var response = await Client.PostAsync("/api/regions", new StringContent(body, Encoding.UTF8, "application/geo+json"));

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        Assert.Equal(["features[1].geometry", "features[2].geometry", "features[3].geometry"], Problem.Fields(problem).Order(StringComparer.Ordinal));
        Assert.Contains("could not be repaired", problem.GetProperty("errors").GetProperty("features[1].geometry")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await Factory.WithDbAsync(db => Task.FromResult(db.Regions.Count())));
    }

    [Fact]
    public async Task Analysis_WithoutRegionCodes_AssignsRegionsByOutline_AtTheRequestedLevel()
    {
        var country = """{"type":"Feature","properties":{"code":"RR","name":"Country","level":0},"geometry":{"type":"Polygon","coordinates":[[[-86,8],[-83,8],[-83,11],[-86,11],[-86,8]]]}}""";
        var body = Collection(country, Square("RA", -85, 10, 0.5), Square("RB", -84, 9, 0.5));
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/api/regions", new StringContent(body, Encoding.UTF8, "application/geo+json"))).StatusCode);
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "Police", "police", null, lat: 9.5, lng: -84.5);
        await ImportCsvAsync(Client, "by outline", "name,lat,lng,population\nIn A,10.1,-85.1,100\nIn B,9.1,-84.1,200\nOnly country,8.5,-85.5,300\nAbroad,20,-100,400\n");

        var deepest = await GapWorld.AnalyseAsync(Client, new { dataset = "by outline", categories = new[] { "police" } });
        var countries = await GapWorld.AnalyseAsync(Client, new { dataset = "by outline", categories = new[] { "police" }, region_level = 0 });

        Assert.Equal(100, Group(deepest, "RA", "all", "police").GetProperty("population").GetDouble());
        Assert.Equal(200, Group(deepest, "RB", "all", "police").GetProperty("population").GetDouble());
        Assert.Equal(300, Group(deepest, "RR", "all", "police").GetProperty("population").GetDouble());
        Assert.Equal(400, Group(deepest, "unassigned", "all", "police").GetProperty("population").GetDouble());
        Assert.Equal(600, Group(countries, "RR", "all", "police").GetProperty("population").GetDouble());
    }
}
