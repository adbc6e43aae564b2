using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Referral.Api.Features.Access;
using Referral.Api.Infrastructure;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Placements;

/// <summary>
/// Placements on a world worked out by hand. Everything lies on one meridian (distances are designed km): one public
/// police site P at 0 km; settlements (km north, population → class, region):
///
///   Zero   0 km     100  rural         RA   (stands on P: a candidate there adds nothing)
///   Alpha  1 km  60,000  urban_centre  RA
///   Bravo 30 km   1,000  rural         RA
///   Cora  32 km   2,000  rural         RA
///   Delta 60 km   5,000  urban_cluster RB
///   Echo  61 km     500  rural         RB
///
/// A hidden police site at 31 km never counts (as in the gap analysis). Coverage at 10 km, k = 2: Delta covers Delta +
/// Echo (5,500), then Bravo covers Bravo + Cora (3,000; Cora ties with it and comes later in the dataset).
/// </summary>
public sealed class PlacementEndpointsTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Dataset = "placement world";
    private const double Total = 68_600;

    private static readonly (string Name, double Km, long Population, string Region)[] Settlements =
    [
        ("Zero", 0, 100, "RA"),
        ("Alpha", 1, 60_000, "RA"),
        ("Bravo", 30, 1_000, "RA"),
        ("Cora", 32, 2_000, "RA"),
        ("Delta", 60, 5_000, "RB"),
        ("Echo", 61, 500, "RB"),
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await TestData.AddRegionAsync(Factory, "R", -40, 100, 3, level: 0);
        await TestData.AddRegionAsync(Factory, "RA", -41, 99, 0.5, level: 1, parent: "R");
        await TestData.AddRegionAsync(Factory, "RB", -40, 101, 0.5, level: 1, parent: "R");
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "P", "police", 0);
        await ServiceAsync(Client, org, "Hidden unit", "police", 31, visibility: "hidden");
        var csv = new StringBuilder("name,lat,lng,population,region_code\n");
        foreach (var s in Settlements)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{s.Name},{F(North(s.Km))},{F(Lng0)},{s.Population},{s.Region}\n");
        }
        await ImportCsvAsync(Client, Dataset, csv.ToString());
    }

    private async Task<JsonElement> PlaceAsync(object request, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await Client.PostAsJsonAsync("/api/placements", request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Placement: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("succeeded", body.GetProperty("status").GetString());
        return body;
    }

    private static string[] Names(JsonElement placement) =>
        [.. placement.GetProperty("results").GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    private static JsonElement Side(JsonElement placement, string side, string group) =>
        placement.GetProperty("results").GetProperty(side).GetProperty(group);

    [Fact]
    public async Task Placements_BelongToWhoStartedThem_OnlyTheOwnerOrAnAdminDeletes()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var owner = Factory.CreateClient(await Factory.CreateKeyAsync($"placement-owner-{suffix}", Roles.Planner));
        using var stranger = Factory.CreateClient(await Factory.CreateKeyAsync($"placement-stranger-{suffix}", Roles.Planner));
        async Task<Guid> StartAsync(HttpClient client, int k)
        {
            using var response = await client.PostAsJsonAsync("/api/placements", new { dataset = Dataset, category = "police", k });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }
        var mine = await StartAsync(owner, 1);
        var theirs = await StartAsync(stranger, 2);

        using var byStranger = await stranger.DeleteAsync($"/api/placements/{mine}");
        await Problem.AssertAsync(byStranger, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        using var byOwner = await owner.DeleteAsync($"/api/placements/{mine}");
        Assert.Equal(HttpStatusCode.NoContent, byOwner.StatusCode);
        using var byAdmin = await Client.DeleteAsync($"/api/placements/{theirs}");
        Assert.Equal(HttpStatusCode.NoContent, byAdmin.StatusCode);
        using var gone = await Client.GetAsync($"/api/placements/{mine}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    /// <summary>
    /// Sweep 12: placements had no bound — one planner key could queue a placement per request (with <c>force</c> and
    /// <c>background</c>), 1,200 a minute, or alias <c>startPlacement</c> a hundred times in one GraphQL request. Now the
    /// gap analyses' cap per owner (<c>Gaps:MaxActivePerOwner</c>) holds for placements too, and the GraphQL budget counts them.
    /// </summary>
    [Fact]
    public async Task ActivePlacements_AreCappedPerOwner_With429_AndStartPlacementCountsInTheGraphQLBudget()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var name = $"placement-flooder-{suffix}";
        using var planner = Factory.CreateClient(await Factory.CreateKeyAsync(name, Roles.Planner));
        using var otherPlanner = Factory.CreateClient(await Factory.CreateKeyAsync($"placement-other-{suffix}", Roles.Planner));
        var dataset = await Factory.WithDbAsync(db => Task.FromResult(db.DemandDatasets.Single(d => d.Name == Dataset).Id));
        // Two of this key's placements still running elsewhere (claimed by another instance, lease not expired).
        await Factory.WithDbAsync(async db =>
        {
            for (var i = 0; i < 2; i++)
            {
                db.Placements.Add(new Referral.Api.Features.Placements.Placement
                {
                    Id = Guid.CreateVersion7(),
                    DatasetId = dataset,
                    OwnerActor = name,
                    Status = Referral.Api.Features.Jobs.JobStatus.Running,
                    ClaimedBy = "another-instance",
                    LeaseUntil = DateTimeOffset.UtcNow.AddHours(1),
                    InputHash = Guid.NewGuid().ToString("N"),
                    CreatedAt = DateTimeOffset.UtcNow,
                });
            }
            await db.SaveChangesAsync();
        });

        using var third = await planner.PostAsJsonAsync("/api/placements", new { dataset = Dataset, category = "police", k = 1, force = true, background = true });
        var viaGraphQL = await planner.PostGraphQLAsync(
            $"mutation {{ startPlacement(input: {{ dataset: \"{Dataset}\", category: POLICE, k: 2, force: true, background: true }}) {{ id }} }}");
        using var someoneElse = await otherPlanner.PostAsJsonAsync("/api/placements", new { dataset = Dataset, category = "police", k = 1 });
        var aliases = string.Concat(Enumerable.Range(0, 3).Select(i =>
            $"p{i}: startPlacement(input: {{ dataset: \"{Dataset}\", category: POLICE, k: {i + 1}, force: true, background: true }}) {{ id }} "));
        var flood = await otherPlanner.PostGraphQLAsync("mutation { " + aliases + "}");

        await Problem.AssertAsync(third, HttpStatusCode.TooManyRequests, ErrorCodes.TooManyAnalyses);
        Assert.Contains(viaGraphQL.Errors, e => e.GetProperty("extensions").GetProperty("code").GetString() == ErrorCodes.TooManyAnalyses);
        Assert.Equal(HttpStatusCode.Created, someoneElse.StatusCode);
        Assert.Equal("COST_BUDGET", flood.AssertError("BAD_REQUEST").GetProperty("extensions").GetProperty("reason").GetString());
        var stored = await Factory.WithDbAsync(db => Task.FromResult(db.Placements.Count(p => p.OwnerActor == name)));
        Assert.Equal(2, stored);
    }

    [Fact]
    public async Task Coverage_PicksInOrder_WithGainsAndFiguresWorkedOutByHand()
    {
        var placement = await PlaceAsync(new { dataset = Dataset, category = "police", k = 2, target_km = 10 });

        var r = placement.GetProperty("results");
        var sites = r.GetProperty("sites").EnumerateArray().ToList();
        Assert.Equal(["Delta", "Bravo"], Names(placement));
        Assert.Equal(5_500, sites[0].GetProperty("gain").GetDouble());
        Assert.Equal(3_000, sites[1].GetProperty("gain").GetDouble());
        Assert.Equal(8_500, sites[1].GetProperty("cumulative").GetDouble());
        Assert.Equal(North(60), sites[0].GetProperty("latitude").GetDouble(), 6);
        // Served (≤ 10 km) before: Zero + Alpha = 60,100 of 68,600; rural 100 of 3,600; urban 60,000 of 65,000.
        Assert.Equal(Math.Round(60_100 / Total, 4), Side(placement, "before", "all").GetProperty("served_share").GetDouble());
        Assert.Equal(Math.Round(100 / 3600.0, 4), Side(placement, "before", "rural").GetProperty("served_share").GetDouble());
        Assert.Equal(Math.Round(60_000 / 65_000.0, 4), Side(placement, "before", "urban").GetProperty("served_share").GetDouble());
        Assert.Equal(Math.Round((60_100 + 5_500) / Total, 4), sites[0].GetProperty("after").GetProperty("served_share").GetDouble());
        Assert.Equal(1, Side(placement, "after", "all").GetProperty("served_share").GetDouble());
        // Rural mean: before (100·0 + 1,000·30 + 2,000·32 + 500·61) km / 3,600 = 34,583.3 m; after (2,000·2 + 500·1) / 3,600 = 1,250 m.
        Assert.Equal(34_583.3, Side(placement, "before", "rural").GetProperty("mean_distance_m").GetDouble(), 0.2);
        Assert.Equal(1_250, Side(placement, "after", "rural").GetProperty("mean_distance_m").GetDouble(), 0.2);
        // Urban mean: before (60,000·1 + 5,000·60) / 65,000 km = 5,538.5 m; after 60,000·1 / 65,000 = 923.1 m.
        Assert.Equal(5_538.5, Side(placement, "before", "urban").GetProperty("mean_distance_m").GetDouble(), 0.2);
        Assert.Equal(923.1, Side(placement, "after", "urban").GetProperty("mean_distance_m").GetDouble(), 0.2);
        Assert.Equal(Math.Round(34_583.33 / 5_538.46, 3), Side(placement, "before", "rural_to_urban").GetProperty("mean_distance").GetDouble(), 3);
        Assert.Contains("(1 − 1/e)", r.GetProperty("rules").GetProperty("guarantee").GetString(), StringComparison.Ordinal);
        Assert.False(r.GetProperty("totals").GetProperty("stopped_early").GetBoolean());
    }

    [Fact]
    public async Task Before_IsTheGapAnalysisOfTheCategory_FigureForFigure()
    {
        var placement = await PlaceAsync(new { dataset = Dataset, category = "police", k = 1, target_km = 10 });
        var gap = await Client.GetFromJsonAsync<JsonElement>(placement.GetProperty("links").GetProperty("gap_analysis").GetString());

        var summary = Summary(gap, "police");
        foreach (var (group, side) in new[] { ("all", "all"), ("urban", "urban"), ("rural", "rural") })
        {
            var g = summary.GetProperty(group);
            var p = Side(placement, "before", side);
            Assert.Equal(Number(g, "mean_distance_m"), Number(p, "mean_distance_m"));
            Assert.Equal(Number(g, "median_distance_m"), Number(p, "median_distance_m"));
            Assert.Equal(g.GetProperty("settlements").GetInt32(), p.GetProperty("settlements").GetInt32());
            foreach (var km in new[] { 5.0, 10, 25, 50 })
            {
                Assert.Equal(Within(g, km), Within(p, km));
            }
            Assert.Equal(Number(g, "served_share"), Number(p, "served_share"));
        }
        // The hidden unit at 31 km counts nowhere. Rural, sorted: Zero 0 km (100), Bravo 30 (1,100), Cora 32 (3,100 ≥ half of
        // 3,600) → median 32 km; were the hidden unit counted, Bravo and Cora would be 1 km away and the median 1 km.
        Assert.Equal(32_000, Number(Side(placement, "before", "rural"), "median_distance_m")!.Value, 0.2);
        Assert.DoesNotContain(F(North(31)), placement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Median_OneSite_SavesTheHandComputedPersonKm()
    {
        // Delta saves 5,000·60 + 500·(61 − 1) + 2,000·(32 − 28) = 338,000 person-km (Bravo is 30 km from both: no saving);
        // the next best, Echo, saves 331,500.
        var placement = await PlaceAsync(new { dataset = Dataset, category = "police", k = 1, objective = "median" });

        Assert.Equal(["Delta"], Names(placement));
        Assert.Equal(338_000, placement.GetProperty("results").GetProperty("sites")[0].GetProperty("gain").GetDouble(), 0.5);
        Assert.Contains("Teitz–Bart", placement.GetProperty("results").GetProperty("rules").GetProperty("guarantee").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithinRegions_OnlyCandidatesThere_StopsEarlyWhenNothingMoreHelps()
    {
        // In RA only Zero, Alpha, Bravo and Cora are candidates: Bravo covers Bravo + Cora; nobody else adds anyone.
        var placement = await PlaceAsync(new { dataset = Dataset, category = "police", k = 3, target_km = 10, within_regions = new[] { "RA" } });

        Assert.Equal(["Bravo"], Names(placement));
        Assert.True(placement.GetProperty("results").GetProperty("totals").GetProperty("stopped_early").GetBoolean());
        Assert.Equal(4, placement.GetProperty("results").GetProperty("totals").GetProperty("candidates").GetInt32());
    }

    [Fact]
    public async Task MinSpacing_BlocksCandidatesCloserThanIt()
    {
        // After Delta (60 km), Bravo is 30 km and Cora 28 km away: 30.5 km spacing rules both out; Alpha (59 km) adds nobody.
        var placement = await PlaceAsync(new { dataset = Dataset, category = "police", k = 2, target_km = 10, min_spacing_km = 30.5 });

        Assert.Equal(["Delta"], Names(placement));
        var spaced = await PlaceAsync(new { dataset = Dataset, category = "police", k = 2, target_km = 10, min_spacing_km = 29.5 });
        Assert.Equal(["Delta", "Bravo"], Names(spaced));
        Assert.Contains("does not hold", spaced.GetProperty("results").GetProperty("rules").GetProperty("guarantee").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadedPoints_ACandidateOnTheExistingSiteAddsNothing()
    {
        var placement = await PlaceAsync(new
        {
            dataset = Dataset,
            category = "police",
            k = 2,
            target_km = 10,
            candidates = "points",
            points = new object[]
            {
                new { name = "On P", latitude = North(0), longitude = Lng0 },
                new { name = "Between", latitude = North(31), longitude = Lng0 },
            },
        });

        Assert.Equal(["Between"], Names(placement));
        Assert.Equal(3_000, placement.GetProperty("results").GetProperty("sites")[0].GetProperty("gain").GetDouble());
        Assert.Equal("point", placement.GetProperty("results").GetProperty("sites")[0].GetProperty("source").GetString());
    }

    [Fact]
    public async Task Cli_CandidatesFile_UsesItsPoints_AndListsTheRowsItSkipped()
    {
        var folder = Directory.CreateTempSubdirectory("place-cli-");
        try
        {
            // Row 3 has a latitude out of range, row 4 no longitude: both skipped and listed, the other two used.
            var csv = Path.Combine(folder.FullName, "sites.csv");
            await File.WriteAllTextAsync(csv, $"lat,lng,name\n{F(North(0))},{F(Lng0)},On P\n{F(North(31))},{F(Lng0)},Between\n95,{F(Lng0)},Nowhere\n{F(North(60))},,Half\n");
            var geojson = Path.Combine(folder.FullName, "sites.geojson");
            await File.WriteAllTextAsync(geojson, $$$"""
                {"type": "FeatureCollection", "features": [
                  {"type": "Feature", "geometry": {"type": "Point", "coordinates": [{{{F(Lng0)}}}, {{{F(North(60.5))}}}]}, "properties": {"name": "Near Delta"}},
                  {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "properties": {}}
                ]}
                """);

            var fromCsv = await PlaceCliAsync("--dataset", Dataset, "--category", "police", "--k", "2", "--target-km", "10", "--candidates", csv, "--json");
            var fromGeoJson = await PlaceCliAsync("--dataset", Dataset, "--category", "police", "--k", "1", "--target-km", "10", "--candidates", geojson, "--json");
            var missing = await PlaceCliAsync("--dataset", Dataset, "--category", "police", "--candidates", Path.Combine(folder.FullName, "none.csv"));

            Assert.True(fromCsv.Code == 3, fromCsv.Error);
            Assert.Contains("skipped 2 invalid row(s) of 4", fromCsv.Error, StringComparison.Ordinal);
            Assert.Contains("rows[3].lat: latitude 95 is outside -90..90", fromCsv.Error, StringComparison.Ordinal);
            Assert.Contains("rows[4].lng: has no longitude.", fromCsv.Error, StringComparison.Ordinal);
            var placement = JsonDocument.Parse(fromCsv.Out).RootElement;
            Assert.Equal("points", placement.GetProperty("options").GetProperty("candidates").GetString());
            Assert.Equal(2, placement.GetProperty("results").GetProperty("totals").GetProperty("candidates").GetInt32());
            Assert.Equal(["Between"], Names(placement)); // On P adds nothing (as through the API)
            Assert.Equal(3_000, placement.GetProperty("results").GetProperty("sites")[0].GetProperty("gain").GetDouble());

            Assert.True(fromGeoJson.Code == 3, fromGeoJson.Error);
            Assert.Contains("rows[2].geometry: must be a Point", fromGeoJson.Error, StringComparison.Ordinal);
            Assert.Equal(["Near Delta"], Names(JsonDocument.Parse(fromGeoJson.Out).RootElement));

            Assert.Equal(1, missing.Code);
            Assert.Contains("--candidates: no file", missing.Error, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private Task<(int Code, string Out, string Error)> PlaceCliAsync(params string[] args) =>
        CliRunner.RunAsync(Factory, ["place", .. args]);

    [Fact]
    public async Task Grid_FindsCellsNearTheUncoveredSettlements()
    {
        var placement = await PlaceAsync(new { dataset = Dataset, category = "police", k = 2, target_km = 10, candidates = "grid", cell_km = 2 });

        var r = placement.GetProperty("results");
        Assert.Equal(2, r.GetProperty("sites").GetArrayLength());
        // A 2 km grid has cells within 10 km of Bravo, Cora, Delta and Echo together: everyone ends up covered.
        Assert.Equal(1, Side(placement, "after", "all").GetProperty("served_share").GetDouble());
        Assert.All(r.GetProperty("sites").EnumerateArray(), s => Assert.Equal("grid", s.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task SameInputs_AreReused_AndExportsCarryTheSites()
    {
        var first = await PlaceAsync(new { dataset = Dataset, category = "police", k = 2, target_km = 10 });
        var again = await PlaceAsync(new { dataset = Dataset, category = "police", k = 2, target_km = 10 }, HttpStatusCode.OK);

        Assert.Equal(first.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());
        var csv = await Client.GetStringAsync(first.GetProperty("links").GetProperty("csv").GetString());
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("placement_id,dataset,category,objective,rank,name", lines[0], StringComparison.Ordinal);
        Assert.Contains(",1,Delta,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",people_newly_covered,8500,", lines[2], StringComparison.Ordinal);
        var geo = await Client.GetFromJsonAsync<JsonElement>(first.GetProperty("links").GetProperty("geojson").GetString());
        Assert.Equal("FeatureCollection", geo.GetProperty("type").GetString());
        Assert.Equal(2, geo.GetProperty("features").GetArrayLength());
        Assert.Equal(North(60), geo.GetProperty("features")[0].GetProperty("geometry").GetProperty("coordinates")[1].GetDouble(), 6);
        var list = await Public.GetFromJsonAsync<JsonElement>("/api/placements");
        Assert.Equal(1, list.GetProperty("total_items").GetInt32());
    }

    [Fact]
    public async Task Validation_Is400WithFieldErrors_AndAccessIsForEditorsAndAdmins()
    {
        var bad = await Client.PostAsJsonAsync("/api/placements", new
        {
            dataset = Dataset,
            category = "helpline",
            k = 0,
            objective = "fastest",
            within_regions = new[] { "NOPE" },
            target_minutes = 20,
            cell_km = 3,
        });
        var problem = await Problem.AssertAsync(bad, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        Assert.Equal(["category", "cell_km", "k", "objective", "target_minutes", "within_regions"], Problem.Fields(problem).Order(StringComparer.Ordinal));

        var anonymous = await Public.PostAsJsonAsync("/api/placements", new { dataset = Dataset, category = "police" });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var caseworker = Factory.CreateClient(await Factory.CreateKeyAsync("placement-caseworker", Roles.Caseworker));
        var refused = await caseworker.PostAsJsonAsync("/api/placements", new { dataset = Dataset, category = "police" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
