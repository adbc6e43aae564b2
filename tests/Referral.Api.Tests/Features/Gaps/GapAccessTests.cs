using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Referral.Api.Features.Access;
using Referral.Api.Infrastructure;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// Who may do what with gap analyses (editors and admins import demand and start analyses, only admins import regions,
/// everyone reads results), and what no gap output may ever reveal: where a hidden site is, or where an approximate one
/// really is.
/// </summary>
public sealed class GapAccessTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Csv = "name,lat,lng,population\nA,9.9,-84.1,1000\nB,10.2,-84.3,200\n";

    private const string Regions = """
        {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"RX","name":"Region X","level":1},
         "geometry":{"type":"Polygon","coordinates":[[[-85,9],[-84,9],[-84,10],[-85,10],[-85,9]]]}}]}
        """;

    private async Task<HttpClient> ClientForAsync(string role, Guid? org = null) =>
        Factory.CreateClient(await Factory.CreateKeyAsync($"{role}-{Guid.NewGuid():N}", role, org));

    [Fact]
    public async Task Roles_EditorImportsAndAnalyses_OnlyAdminImportsRegions_EveryoneReads()
    {
        // An editor key is bound to an organization; demand datasets and analyses belong to none, any editor may make them.
        var editor = await ClientForAsync(Roles.Editor, await TestData.CreateOrganizationAsync(Client));
        var caseworker = await ClientForAsync(Roles.Caseworker);

        await ImportCsvAsync(editor, "editor towns", Csv);
        var analysis = await AnalyseAsync(editor, new { dataset = "editor towns", categories = new[] { "police" } });
        var caseworkerStart = await caseworker.PostAsJsonAsync("/api/gap_analyses", new { dataset = "editor towns" });
        var editorRegions = await editor.PostAsync("/api/regions", new StringContent(Regions, Encoding.UTF8, "application/geo+json"));
        var adminRegions = await Client.PostAsync("/api/regions", new StringContent(Regions, Encoding.UTF8, "application/geo+json"));
        var publicRead = await Public.GetAsync(analysis.GetProperty("links").GetProperty("self").GetString());
        var publicCsv = await Public.GetAsync(analysis.GetProperty("links").GetProperty("table").GetString());

        await Problem.AssertAsync(caseworkerStart, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Problem.AssertAsync(editorRegions, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.Equal(HttpStatusCode.OK, adminRegions.StatusCode);
        Assert.Equal(HttpStatusCode.OK, publicRead.StatusCode);
        Assert.Equal(HttpStatusCode.OK, publicCsv.StatusCode);
    }

    [Fact]
    public async Task Outputs_NeverPlaceAHiddenSite_AndAnApproximateOneOnlyThroughItsPublicPoint()
    {
        // A hidden and an approximate police site, each about 310 m from a settlement, at coordinates that appear nowhere else;
        // the only public police site is about 40 km away.
        var org = await TestData.CreateOrganizationAsync(Client);
        var hidden = await ServiceAsync(Client, org, "Secret unit", "police", null, "hidden", lat: 9.2345678912, lng: -84.3456789123);
        var approximate = await ServiceAsync(Client, org, "Discreet unit", "police", null, "approximate", lat: 9.6789123456, lng: -84.7891234567);
        await ServiceAsync(Client, org, "Open station", "police", null, lat: 9.95, lng: -84.05);
        await ImportCsvAsync(Client, "near secrets", $"""
            name,lat,lng,population
            NextToHidden,9.2365678912,-84.3436789123,3000
            NextToApproximate,9.6809123456,-84.7871234567,3000
            OnThePublicPoint,9.676,-84.775,3000
            """);

        var analysis = await AnalyseAsync(Client, new { dataset = "near secrets", categories = new[] { "police" }, worst_n = 5, travel_time = new { } });
        var points = await PointsAsync(Client, analysis);
        var outputs = new List<string> { analysis.GetRawText() };
        foreach (var link in new[] { "table", "points", "regions" })
        {
            outputs.Add(await Public.GetStringAsync(analysis.GetProperty("links").GetProperty(link).GetString()));
        }
        outputs.Add(await Public.GetStringAsync($"/api/gap_analyses/{analysis.GetProperty("id").GetGuid()}"));

        // The hidden site is never used: the settlement next to it is measured to a public or approximate one, far away.
        Assert.True(points["NextToHidden"].GetProperty("police_distance_m").GetDouble() > 10_000);
        // The approximate site only through its generalised point (the centre of its cell, 9.675, -84.775, 1.6 km from the
        // site), in the 500 m steps the public sees: 1 480 m from that point reads 1 500 m, never its 310 m (which would read 500 m).
        Assert.Equal(1_500, points["NextToApproximate"].GetProperty("police_distance_m").GetDouble());
        // 110 m from the public point reads 500 m, not 0 m (the site itself is 1.6 km away, which would read 1 500 m).
        var onPublicPoint = points["OnThePublicPoint"].GetProperty("police_distance_m").GetDouble();
        Assert.True(onPublicPoint >= 500, $"{onPublicPoint} m");
        Assert.Equal(500, onPublicPoint);
        foreach (var text in outputs)
        {
            foreach (var secret in new[] { "9.234567", "84.345678", "9.678912", "84.789123", "Secret unit", "Discreet unit", hidden.ToString(), approximate.ToString() })
            {
                Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task ImportRegions_Anonymous_Is401_WithProblemDetails()
    {
        var response = await Public.PostAsync("/api/regions", new StringContent(Regions, Encoding.UTF8, "application/geo+json"));

        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
    }

    [Fact]
    public async Task OpenApi_EveryGapAndDemandOperation_HasASummary_AndDocumentsItsProblems()
    {
        var doc = JsonDocument.Parse(await Client.GetStringAsync("/swagger/v1/swagger.json")).RootElement;
        var paths = doc.GetProperty("paths");
        var operations = paths.EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/gap_analyses", StringComparison.Ordinal) || p.Name.StartsWith("/api/demand_datasets", StringComparison.Ordinal)
                || p.Name == "/api/regions")
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Method: o.Name, Op: o.Value)))
            .Where(o => o.Method is "get" or "post" or "delete")
            .ToList();

        Assert.True(operations.Count >= 11, string.Join(", ", operations.Select(o => $"{o.Method} {o.Path}")));
        Assert.All(operations, o => Assert.False(string.IsNullOrWhiteSpace(o.Op.GetProperty("summary").GetString()), $"{o.Method} {o.Path}"));
        var start = paths.GetProperty("/api/gap_analyses").GetProperty("post").GetProperty("responses");
        foreach (var status in new[] { "200", "201", "202", "400" })
        {
            Assert.True(start.TryGetProperty(status, out _), $"POST /api/gap_analyses documents {status}");
        }
        Assert.True(start.GetProperty("400").GetProperty("content").TryGetProperty("application/problem+json", out _));
        var get = paths.GetProperty("/api/gap_analyses/{id}").GetProperty("get").GetProperty("responses");
        Assert.True(get.GetProperty("404").GetProperty("content").TryGetProperty("application/problem+json", out _));
    }
}
