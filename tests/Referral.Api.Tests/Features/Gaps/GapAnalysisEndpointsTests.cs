using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Referral.Api.Features.Gaps;
using Referral.Api.Infrastructure;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>POST /api/gap_analyses → 202 + Location → progress → results; reuse by input hash; exports; errors.</summary>
public sealed class GapAnalysisEndpointsTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private Guid _org;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, _org, "Police north", "police", 0);
        await ServiceAsync(Client, _org, "Health centre", "health", 20);
        await ImportCsvAsync(Client, "towns", $"""
            name,lat,lng,population,settlement_class,region_code
            Capital,{F(North(1))},{F(Lng0)},80000,,CR-SJ
            Village,{F(North(30))},{F(Lng0)},800,,CR-SJ
            Hamlet,{F(North(60))},{F(Lng0)},90,hamlet,CR-A
            """);
    }

    private async Task<JsonElement> WaitAsync(string location)
    {
        for (var i = 0; i < 300; i++)
        {
            var body = await Client.GetFromJsonAsync<JsonElement>(location);
            var status = body.GetProperty("status").GetString();
            Assert.InRange(body.GetProperty("progress_percent").GetInt32(), 0, 100);
            if (status is "succeeded" or "failed")
            {
                return body;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The analysis did not finish in 30 s.");
    }

    [Fact]
    public async Task Start_InBackground_Returns202WithLocation_ThenProgressThenResults()
    {
        var response = await Client.PostAsJsonAsync("/api/gap_analyses", new { dataset = "towns", categories = new[] { "police", "health" }, background = true });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("/api/gap_analyses/", location, StringComparison.Ordinal);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(accepted.GetProperty("status").GetString(), new[] { "queued", "running", "succeeded" });
        var done = await WaitAsync(location);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(100, done.GetProperty("progress_percent").GetInt32());
        Assert.Equal(3, done.GetProperty("results").GetProperty("totals").GetProperty("settlements").GetInt32());
        Assert.Equal(["police", "health"], done.GetProperty("options").GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.EndsWith("/table.csv", done.GetProperty("links").GetProperty("table").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SameInputs_ReusesResults_UntilTheDirectoryOrDatasetChanges()
    {
        var request = new { dataset = "towns", categories = new[] { "police" } };
        var first = await Client.PostAsJsonAsync("/api/gap_analyses", request);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var a = await first.Content.ReadFromJsonAsync<JsonElement>();

        var again = await Client.PostAsJsonAsync("/api/gap_analyses", request);
        var b = await again.Content.ReadFromJsonAsync<JsonElement>();
        await ServiceAsync(Client, _org, "Second police", "police", 50);
        var afterService = await AnalyseAsync(Client, request);
        var replace = await Client.PostAsync("/api/demand_datasets?name=towns&replace=true",
            new StringContent($"name,lat,lng,population\nOnly,{F(North(2))},{F(Lng0)},10\n", Encoding.UTF8, "text/csv"));
        var afterDataset = await AnalyseAsync(Client, request);
        var forced = await AnalyseAsync(Client, new { dataset = "towns", categories = new[] { "police" }, force = true });

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(a.GetProperty("id").GetGuid(), b.GetProperty("id").GetGuid());
        Assert.Equal(a.GetProperty("links").GetProperty("self").GetString(), again.Content.Headers.ContentLocation?.ToString());
        Assert.NotEqual(a.GetProperty("input_hash").GetString(), afterService.GetProperty("input_hash").GetString());
        Assert.Equal(2, Summary(afterService, "police").GetProperty("sites").GetInt32());
        Assert.Equal(HttpStatusCode.OK, replace.StatusCode);
        Assert.NotEqual(afterService.GetProperty("input_hash").GetString(), afterDataset.GetProperty("input_hash").GetString());
        Assert.Equal(1, afterDataset.GetProperty("results").GetProperty("totals").GetProperty("settlements").GetInt32());
        Assert.True(afterDataset.GetProperty("dataset").GetProperty("version").GetInt64() > a.GetProperty("dataset").GetProperty("version").GetInt64());
        Assert.Equal(afterDataset.GetProperty("input_hash").GetString(), forced.GetProperty("input_hash").GetString());
        Assert.NotEqual(afterDataset.GetProperty("id").GetGuid(), forced.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Start_InvalidRequest_Is400WithFieldErrors()
    {
        var response = await Client.PostAsJsonAsync("/api/gap_analyses", new
        {
            dataset = "towns",
            categories = new[] { "police", "astrology" },
            thresholds_km = new[] { -5.0 },
            target_share = 2.0,
            decay = "cubic",
            fca_cell_km = 0.01,
            settlement_thresholds = new { urban_centre = 100, urban_cluster = 1000 },
            travel_time = new { detour_factor = 0.5 },
        });

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        Assert.Equal(["categories", "decay", "fca_cell_km", "settlement_thresholds", "target_share", "thresholds_km", "travel_time.detour_factor"],
            Problem.Fields(problem).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Start_UnknownOrMissingDataset_Is400_AndMalformedJsonIs400()
    {
        var unknown = await Client.PostAsJsonAsync("/api/gap_analyses", new { dataset = "nowhere" });
        var missing = await Client.PostAsJsonAsync("/api/gap_analyses", new { categories = new[] { "police" } });
        var byId = await Client.PostAsJsonAsync("/api/gap_analyses", new { dataset_id = Guid.NewGuid() });
        var malformed = await Client.PostAsync("/api/gap_analyses", new StringContent("{\"dataset\": ", Encoding.UTF8, "application/json"));
        var wrongType = await Client.PostAsync("/api/gap_analyses", new StringContent("{\"worst_n\": \"many\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(["dataset"], Problem.Fields(await Problem.AssertAsync(unknown, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed)));
        Assert.Equal(["dataset"], Problem.Fields(await Problem.AssertAsync(missing, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed)));
        Assert.Equal(["dataset_id"], Problem.Fields(await Problem.AssertAsync(byId, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed)));
        await Problem.AssertAsync(malformed, HttpStatusCode.BadRequest, ErrorCodes.MalformedJson);
        await Problem.AssertAsync(wrongType, HttpStatusCode.BadRequest, ErrorCodes.MalformedJson);
    }

    [Fact]
    public async Task Start_Anonymous_IsRefused_ButResultsArePublic()
    {
        var analysis = await AnalyseAsync(Client, new { dataset = "towns", categories = new[] { "police" } });

        var anonymous = await Public.PostAsJsonAsync("/api/gap_analyses", new { dataset = "towns" });
        var read = await Public.GetAsync(analysis.GetProperty("links").GetProperty("self").GetString());
        var list = await Public.GetFromJsonAsync<JsonElement>("/api/gap_analyses?per_page=5");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(1, list.GetProperty("total_items").GetInt32());
        Assert.False(list.GetProperty("contents")[0].TryGetProperty("results", out _));
    }

    [Fact]
    public async Task Get_UnknownAnalysis_Is404_AndDeleteRemovesIt()
    {
        var analysis = await AnalyseAsync(Client, new { dataset = "towns", categories = new[] { "police" } });
        var self = analysis.GetProperty("links").GetProperty("self").GetString();

        var missing = await Client.GetAsync($"/api/gap_analyses/{Guid.NewGuid()}");
        var deleted = await Client.DeleteAsync(self);
        var gone = await Client.GetAsync(self);

        await Problem.AssertAsync(missing, HttpStatusCode.NotFound, ErrorCodes.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Problem.AssertAsync(gone, HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task Exports_BeforeTheAnalysisFinished_Are409()
    {
        var dataset = (await Client.GetFromJsonAsync<JsonElement>("/api/demand_datasets")).GetProperty("contents")[0].GetProperty("id").GetGuid();
        var id = Guid.NewGuid();
        await Factory.WithDbAsync(async db =>
        {
            db.GapAnalyses.Add(new GapAnalysis
            {
                Id = id,
                DatasetId = dataset,
                Status = GapAnalysis.Running,
                InputHash = "x",
                CreatedAt = DateTimeOffset.UtcNow,
                Options = """{"categories":["police"],"thresholds_km":[5],"area_categories":[],"catchment_km":30,"decay":"none","fca_cell_km":0,"target_km":25,"target_share":0.8,"worst_n":5,"urban_centre_min_population":50000,"urban_cluster_min_population":5000}""",
            });
            await db.SaveChangesAsync();
        });

        var table = await Client.GetAsync($"/api/gap_analyses/{id}/table.csv");
        var points = await Client.GetAsync($"/api/gap_analyses/{id}/points.geojson");
        var status = await Client.GetAsync($"/api/gap_analyses/{id}");

        await Problem.AssertAsync(table, HttpStatusCode.Conflict, ErrorCodes.Conflict);
        await Problem.AssertAsync(points, HttpStatusCode.Conflict, ErrorCodes.Conflict);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("2", status.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task Exports_Table_Points_Regions_AreReadyForSpreadsheetsAndQgis()
    {
        await TestData.AddRegionAsync(Factory, "CR-SJ", GapWorld.North(15), Lng0, 0.3, level: 1, parent: "CR");
        var analysis = await AnalyseAsync(Client, new { dataset = "towns", categories = new[] { "police", "health" } });
        var links = analysis.GetProperty("links");

        var table = await Client.GetAsync(links.GetProperty("table").GetString());
        var points = await PointsAsync(Client, analysis);
        var regions = await Client.GetAsync(links.GetProperty("regions").GetString());

        Assert.Equal("text/csv", table.Content.Headers.ContentType?.MediaType);
        var lines = (await table.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Equal(["analysis_id", "dataset", "region_code", "region_name", "settlement_class", "category"], header[..6]);
        Assert.Contains("share_within_5km", header);
        Assert.Contains("class_rule", header);
        // One row per region × class × category, with 'all' rollups: rows = groups of the JSON results.
        Assert.Equal(analysis.GetProperty("results").GetProperty("groups").GetArrayLength(), lines.Length - 1);
        Assert.Contains(lines, l => l.Contains(",all,All regions,all,police,", StringComparison.Ordinal));
        Assert.Equal(3, points.Count);
        Assert.Equal(1000, points["Capital"].GetProperty("police_distance_m").GetDouble(), 0.15);
        Assert.True(points["Capital"].GetProperty("police_served").GetBoolean());
        Assert.Equal("rural", points["Hamlet"].GetProperty("settlement_class").GetString());
        var geo = JsonDocument.Parse(await regions.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("application/geo+json", regions.Content.Headers.ContentType?.MediaType);
        var sj = geo.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "CR-SJ");
        Assert.Equal("MultiPolygon", sj.GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal(2, sj.GetProperty("properties").GetProperty("settlements").GetInt32());
        Assert.True(sj.GetProperty("properties").TryGetProperty("police_mean_distance_m", out _));
        var cra = geo.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "CR-A");
        Assert.Equal(JsonValueKind.Null, cra.GetProperty("geometry").ValueKind);
        Assert.True(geo.GetProperty("rules").TryGetProperty("settlement_class", out _));
    }
}
