using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>
/// Security review, finding 2: a time zone .NET resolves but PostgreSQL does not (a Windows id) made every nearest and
/// referral read around the record answer 500. The write rules now store only zones PostgreSQL reads, and "open now"
/// survives a bad zone already in the database.
/// </summary>
public sealed class TimeZoneSafetyTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const double Lat = 9.9, Lng = -84.1;

    private Guid _org;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _org = await TestData.CreateOrganizationAsync(Client);
        await TestData.AddRegionAsync(Factory, "CR", Lat, Lng, 2.0);
    }

    private static JsonObject WithZone(JsonObject doc, string zone)
    {
        doc["schedules"]![0]!["time_zone"] = zone;
        return doc;
    }

    [Fact]
    public async Task WindowsTimeZone_IsStoredAsItsIanaZone_AndEveryReadPathAnswers()
    {
        var site = await TestData.CreateServiceAsync(Client, WithZone(TestData.Service(_org, "Police with a Windows zone", Lat + 0.01, Lng), "Central America Standard Time"));
        var remoteDoc = WithZone(TestData.Service(_org, "Helpline with a Windows zone", 0, 0, "helpline"), "Central America Standard Time");
        remoteDoc["service_at_locations"] = new JsonArray();
        remoteDoc["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Costa Rica", ["region_codes"] = new JsonArray("CR") });
        var remote = await TestData.CreateServiceAsync(Client, remoteDoc);

        Assert.Equal("America/Guatemala", site.GetProperty("schedules")[0].GetProperty("time_zone").GetString());
        Assert.Equal("America/Guatemala", remote.GetProperty("schedules")[0].GetProperty("time_zone").GetString());
        await AssertEveryReadPathAnswersAsync(site.GetProperty("id").GetGuid(), expectOpenNowKnown: true);
    }

    [Fact]
    public async Task UnknownTimeZoneAlreadyStored_DoesNotFailAnyRead()
    {
        var site = await TestData.CreateServiceAsync(Client, TestData.Service(_org, "Police stored before the rule", Lat + 0.01, Lng));
        var remoteDoc = TestData.Service(_org, "Helpline stored before the rule", 0, 0, "helpline");
        remoteDoc["service_at_locations"] = new JsonArray();
        remoteDoc["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Costa Rica", ["region_codes"] = new JsonArray("CR") });
        await TestData.CreateServiceAsync(Client, remoteDoc);
        await using (var conn = await Factory.OpenAsync())
        {
            // What an older version let through: every schedule now has a zone PostgreSQL refuses.
            await using var corrupt = new NpgsqlCommand("UPDATE schedule SET time_zone = 'Central America Standard Time'", conn);
            Assert.Equal(2, await corrupt.ExecuteNonQueryAsync());
        }

        await AssertEveryReadPathAnswersAsync(site.GetProperty("id").GetGuid(), expectOpenNowKnown: false);
    }

    [Theory]
    [InlineData("posix/America/New_York")]
    [InlineData("right/UTC")]
    [InlineData("localtime")]
    [InlineData("Not/A_Zone")]
    public async Task TimeZonesPostgreSqlCannotRead_AreRefusedWithAFieldError(string zone)
    {
        var response = await Client.PostAsJsonAsync("/api/services", WithZone(TestData.Service(_org), zone));

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains("schedules[0].time_zone", Problem.Fields(problem));
    }

    [Theory]
    [InlineData("America/Costa_Rica", "America/Costa_Rica")]
    [InlineData("UTC", "UTC")]
    [InlineData("Etc/GMT+6", "Etc/GMT+6")]
    [InlineData("SA Pacific Standard Time", "America/Bogota")]
    public async Task KnownTimeZones_AreStoredAsIanaIds(string zone, string stored)
    {
        var created = await TestData.CreateServiceAsync(Client, WithZone(TestData.Service(_org), zone));

        Assert.Equal(stored, created.GetProperty("schedules")[0].GetProperty("time_zone").GetString());
        await using var conn = await Factory.OpenAsync();
        await using var check = new NpgsqlCommand("SELECT now() AT TIME ZONE time_zone FROM schedule", conn);
        Assert.NotNull(await check.ExecuteScalarAsync());
    }

    private async Task AssertEveryReadPathAnswersAsync(Guid serviceId, bool expectOpenNowKnown)
    {
        const string origin = "lat=9.9&lng=-84.1";
        string[] paths =
        [
            $"/api/nearest?{origin}", $"/api/nearest?{origin}&open_now=true", $"/api/nearest?{origin}&at=2026-12-01T10:00:00-06:00",
            $"/api/referral?{origin}", $"/api/referral?{origin}&needs=police,helpline&open_now=true",
            $"/api/service_at_locations?{origin}&proximity=50000", "/api/service_at_locations", "/api/services", $"/api/services/{serviceId}",
            "/api/services?format=ndjson&full=true", "/api/organizations", "/api/exports/hsds", "/api/exports/hsds-csv", "/api/exports/geojson",
            "/api/exports/csv",
        ];
        foreach (var path in paths)
        {
            var response = await Public.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var nearest = await Public.GetFromJsonAsync<JsonElement>($"/api/nearest?{origin}");
        Assert.Equal("Police " + (expectOpenNowKnown ? "with a Windows zone" : "stored before the rule"), nearest.GetProperty("results")[0].GetProperty("service").GetProperty("name").GetString());
        Assert.Equal(expectOpenNowKnown, nearest.GetProperty("results")[0].TryGetProperty("open_now", out _));
        Assert.Single(nearest.GetProperty("remote").EnumerateArray());

        var graphql = await Public.PostAsJsonAsync("/graphql", new
        {
            query = """
                { nearestServices(near: {lat: 9.9, lng: -84.1}) { results { openNow service { name } } remote { openNow service { name } } }
                  referralCard(near: {lat: 9.9, lng: -84.1}) { categories { best { openNow } } remote { openNow } }
                  services(first: 5) { items { name schedules { timeZone } } } }
                """,
        });
        var body = await graphql.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(graphql.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.False(body.TryGetProperty("errors", out var errors), errors.ToString());
        Assert.Single(body.GetProperty("data").GetProperty("nearestServices").GetProperty("results").EnumerateArray());
        Assert.Single(body.GetProperty("data").GetProperty("nearestServices").GetProperty("remote").EnumerateArray());
    }
}
