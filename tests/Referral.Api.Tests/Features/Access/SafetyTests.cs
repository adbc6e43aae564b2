using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Referral.Api.Features.Access;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Access;

/// <summary>Confidential sites never leak, cannot be trilaterated, and searchers' positions never reach the logs.</summary>
public sealed class SafetyTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // Chosen 0.9 km from the centre of its 0.05° cell, so the shown point must be moved to a neighbouring cell.
    private const double SiteLat = 9.9669, SiteLng = -84.0285;
    private const string Street = "Calle del Refugio 321";

    // Free text that names the place: never in a public output either (issue 11, Medium 4).
    private const string PlaceName = "Refugio de Barrio Escalante", AlternateName = "Casa Escalante", Url = "https://escalante.example.org",
        PlaceDescription = "Two blocks north of the Escalante church", IntakeDescription = "Ring at the green gate of Escalante";

    private async Task<(Guid Approximate, Guid Hidden)> ArrangeAsync()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Shelters");
        await TestData.AddRegionAsync(Factory, "TST", SiteLat, SiteLng, 1.0);
        async Task<Guid> Add(string visibility, double dLat)
        {
            var doc = TestData.Service(org, "shelter " + visibility, SiteLat + dLat, SiteLng, "shelter", visibility);
            doc["service_at_locations"]![0]!["location"]!["addresses"]![0]!["address_1"] = Street;
            doc["service_at_locations"]![0]!["description"] = IntakeDescription;
            var location = doc["service_at_locations"]![0]!["location"]!;
            location["name"] = PlaceName;
            location["alternate_name"] = AlternateName;
            location["url"] = Url;
            location["description"] = PlaceDescription;
            doc["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray("TST") });
            return (await TestData.CreateServiceAsync(Client, doc)).GetProperty("id").GetGuid();
        }
        return (await Add("approximate", 0), await Add("hidden", 0.0001));
    }

    private static void AssertNoLeak(string what, string output)
    {
        foreach (var secret in new[]
        {
            SiteLat.ToString("0.000", CultureInfo.InvariantCulture), SiteLng.ToString("0.000", CultureInfo.InvariantCulture), Street,
            PlaceName, AlternateName, Url, PlaceDescription, IntakeDescription, "Escalante",
        })
        {
            Assert.False(output.Contains(secret, StringComparison.Ordinal), $"{what} leaks '{secret}': {output[..Math.Min(output.Length, 400)]}");
        }
    }

    [Fact]
    public async Task PublicOutputs_NeverCarryExactPointOrAddress_AcrossRestAndGraphQL()
    {
        var (approximate, hidden) = await ArrangeAsync();
        var fields = "id name serviceAtLocations { description location { name alternateName url description latitude longitude addresses { address1 city } } } serviceAreas { regionCodes }";
        var rest = new[]
        {
            "/api/services", $"/api/services/{approximate}", $"/api/services/{hidden}", "/api/service_at_locations",
            "/api/service_at_locations?lat=9.9&lng=-84.1", "/api/services?search=shelter",
            "/api/nearest?lat=9.90&lng=-84.10", "/api/nearest?lat=10.05&lng=-84.0&category=shelter", "/api/nearest?lat=9.98&lng=-84.03&limit=50",
            "/api/referral?lat=9.9&lng=-84.1", "/api/referral?lat=9.98&lng=-84.03&needs=shelter",
            "/api/exports/hsds", "/api/exports/geojson", "/api/exports/csv", "/api/services?format=ndjson&full=true", "/api/service_at_locations?format=ndjson",
            "/ogc/collections/services/items?limit=1000", "/ogc/collections/services/items?bbox=-84.2,9.8,-83.8,10.2",
            "/ogc/collections/services/items?category=shelter&bbox=-84.04,9.96,-84.02,9.98",
        };

        foreach (var url in rest)
        {
            AssertNoLeak(url, await Public.GetStringAsync(url));
        }
        foreach (var query in new[]
        {
            $"{{ services {{ edges {{ node {{ {fields} }} }} }} }}",
            $"{{ service(id: \"{approximate}\") {{ {fields} }} }}",
            $"{{ service(id: \"{hidden}\") {{ {fields} }} }}",
            "{ nearestServices(near: { lat: 9.98, lng: -84.03 }) { results { distanceM location { name alternateName url description latitude longitude addresses { address1 } } } remote { service { name } } } }",
            "{ referralCard(near: { lat: 9.98, lng: -84.03 }, needs: [SHELTER]) { categories { best { location { name alternateName url description latitude longitude } } } } }",
        })
        {
            AssertNoLeak(query, (await Public.PostGraphQLAsync(query)).Text);
        }
    }

    [Fact]
    public async Task Caseworker_SeesApproximateExactly_ButNotHidden()
    {
        var (approximate, hidden) = await ArrangeAsync();
        var caseworker = Factory.CreateClient(await Factory.CreateKeyAsync($"cw-{Guid.NewGuid():N}", Roles.Caseworker));

        var seen = await caseworker.GetStringAsync($"/api/services/{approximate}");
        var notSeen = await caseworker.GetStringAsync($"/api/services/{hidden}");

        Assert.Contains(Street, seen, StringComparison.Ordinal);
        Assert.Contains("9.9669", seen, StringComparison.Ordinal);
        AssertNoLeak("hidden for a caseworker", notSeen);
    }

    [Fact]
    public async Task Trilateration_FromThirtyOrigins_LandsNoCloserThan1500mToTheSite()
    {
        await ArrangeAsync();
        var observations = new List<(double Lat, double Lng, double Distance)>();
        for (var i = 0; i < 30; i++)
        {
            var bearing = 2 * Math.PI * i / 30;
            var radiusDeg = 0.05 + (0.1 * (i % 3));
            var lat = SiteLat + (radiusDeg * Math.Cos(bearing));
            var lng = SiteLng + (radiusDeg * Math.Sin(bearing));
            var response = await Public.GetFromJsonAsync<JsonElement>(
                $"/api/nearest?lat={lat.ToString(CultureInfo.InvariantCulture)}&lng={lng.ToString(CultureInfo.InvariantCulture)}&category=shelter&limit=1");
            observations.Add((lat, lng, response.GetProperty("results")[0].GetProperty("distance_m").GetDouble()));
        }

        // Gauss–Newton least squares on a local flat projection, started at the centroid of the origins.
        double x = 0, y = 0;
        const double mLat = 110574, mLng = 111320 * 0.9849;
        var points = observations.Select(o => ((o.Lng - SiteLng) * mLng, (o.Lat - SiteLat) * mLat, o.Distance)).ToList();
        (x, y) = (points.Average(p => p.Item1), points.Average(p => p.Item2));
        for (var iteration = 0; iteration < 50; iteration++)
        {
            double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
            foreach (var (px, py, d) in points)
            {
                var r = Math.Max(1, Math.Sqrt(((x - px) * (x - px)) + ((y - py) * (y - py))));
                var (jx, jy) = ((x - px) / r, (y - py) / r);
                var residual = r - d;
                a11 += jx * jx;
                a12 += jx * jy;
                a22 += jy * jy;
                b1 += jx * residual;
                b2 += jy * residual;
            }
            var det = (a11 * a22) - (a12 * a12);
            x -= ((a22 * b1) - (a12 * b2)) / det;
            y -= ((a11 * b2) - (a12 * b1)) / det;
        }
        var errorM = Math.Sqrt((x * x) + (y * y));

        Assert.True(errorM >= 1500, $"the estimate lands {errorM:0} m from the site");
    }

    [Fact]
    public async Task Logs_NeverHoldPreciseSearchPositionsNorBodies()
    {
        var sink = new CapturingLoggerProvider();
        using var app = Factory.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(sink).SetMinimumLevel(LogLevel.Trace)));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", Factory.AdminKey);
        var org = await TestData.CreateOrganizationAsync(client, "Logged");
        var body = TestData.Service(org, "BODY-MARKER-7f3a", 9.9, -84.1);

        await client.GetAsync("/api/nearest?lat=9.934567&lng=-84.076543&category=police");
        await client.GetAsync("/api/referral?lat=9.934567&lng=-84.076543&age=12");
        await client.GetAsync("/api/service_at_locations?lat=9.934567&lng=-84.076543&proximity=5000");
        await client.PostGraphQLAsync("{ nearestServices(near: { lat: 9.934567, lng: -84.076543 }) { results { distanceM } } }");
        await client.GetAsync("/graphql?query=" + Uri.EscapeDataString("{ nearestServices(near: { lat: 9.934567, lng: -84.076543 }) { results { distanceM } } }"));
        await client.PostAsJsonAsync("/api/services", body);

        var logs = sink.Text;
        Assert.Contains("/api/nearest", logs, StringComparison.Ordinal);
        Assert.Contains("lat=9.93", logs, StringComparison.Ordinal);
        foreach (var secret in new[] { "9.9345", "9.934567", "84.0765", "84.076543", "BODY-MARKER-7f3a" })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Feedback_AnonymousReports_EditorsOfTheOwnerReviewThem()
    {
        var own = await TestData.CreateOrganizationAsync(Client, "Own");
        var other = await TestData.CreateOrganizationAsync(Client, "Other");
        var service = (await TestData.CreateServiceAsync(Client, TestData.Service(own, "Reported"))).GetProperty("id").GetGuid();
        var editor = Factory.CreateClient(await Factory.CreateKeyAsync($"ed-{Guid.NewGuid():N}", Roles.Editor, own));
        var stranger = Factory.CreateClient(await Factory.CreateKeyAsync($"ed-{Guid.NewGuid():N}", Roles.Editor, other));

        var report = await Public.PostAsJsonAsync($"/api/services/{service}/feedback", new { reason = "wrong_phone", comment = "The number rings out." });
        var badReason = await Public.PostAsJsonAsync($"/api/services/{service}/feedback", new { reason = "spam" });
        var tooLong = await Public.PostAsJsonAsync($"/api/services/{service}/feedback", new { reason = "other", comment = new string('x', 2001) });
        var unknown = await Public.PostAsJsonAsync($"/api/services/{Guid.NewGuid()}/feedback", new { reason = "closed" });
        var mine = await editor.GetFromJsonAsync<JsonElement>("/api/feedback");
        var theirs = await stranger.GetFromJsonAsync<JsonElement>("/api/feedback");
        var id = (await report.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var resolved = await editor.PostAsJsonAsync($"/api/feedback/{id}/resolve", new { status = "resolved" });

        Assert.Equal(HttpStatusCode.Created, report.StatusCode);
        await Problem.AssertAsync(badReason, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await Problem.AssertAsync(tooLong, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await Problem.AssertAsync(unknown, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(1, mine.GetProperty("total_items").GetInt32());
        Assert.Equal(0, theirs.GetProperty("total_items").GetInt32());
        Assert.Equal("resolved", (await resolved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await Problem.AssertAsync(await Public.GetAsync("/api/feedback"), HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        // The audit log names who did it: the anonymous reporter as "anonymous" (never blank), the editor by its key.
        var history = (await Client.GetFromJsonAsync<JsonElement>($"/api/audit?entity_id={id}")).GetProperty("contents")
            .EnumerateArray().Reverse().Select(e => (e.GetProperty("action").GetString(), e.GetProperty("actor").GetString())).ToList();
        Assert.Equal("anonymous", Assert.Single(history, h => h.Item1 == "create").Item2);
        Assert.StartsWith("ed-", Assert.Single(history, h => h.Item1 == "update").Item2, StringComparison.Ordinal);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public string Text => string.Join("\n", _lines);

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
