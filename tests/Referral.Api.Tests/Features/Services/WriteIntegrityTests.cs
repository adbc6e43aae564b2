using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Features.Imports;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Services;

/// <summary>
/// Issue 11 item 12, integrity of what the write API stores: the directory's one coordinate rule (the import's: (0, 0) and
/// swapped positions are refused) on REST and GraphQL, and no invisible or direction-changing characters in names.
/// </summary>
public sealed class WriteIntegrityTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Latitude = "service_at_locations[0].location.latitude";
    private const string CreateService = "mutation($input: ServiceInput!) { createService(input: $input) { id } }";

    private Guid _org;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Costa Rica's outline (seed/regions.geojson), as the import checks against it.
        await ImportApi.AddCountriesAsync(Factory);
        _org = await TestData.CreateOrganizationAsync(Client);
    }

    private static async Task<string[]> MessagesAsync(HttpResponseMessage response, string field)
    {
        var body = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal([field], Problem.Fields(body));
        return [.. body.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()!)];
    }

    public static TheoryData<string, double, double, string> RefusedPositions => new()
    {
        // (0, 0): a missing value written as zeros.
        { "null island", 0, 0, "(0, 0) is not a real position" },
        // San José given as (lng, lat): both in range, but outside Costa Rica, and inside it read the other way round.
        { "swapped, both in range", -84.0833, 9.9333, "latitude and longitude look swapped" },
    };

    [Theory]
    [MemberData(nameof(RefusedPositions))]
    public async Task Create_RefusedPosition_Is400WithTheImportsMessage_AndWritesNothing(string kind, double lat, double lng, string message)
    {
        var doc = TestData.Service(_org, kind, lat, lng);
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PostAsJsonAsync("/api/services", doc);

        Assert.Contains(await MessagesAsync(response, Latitude), m => m.Contains(message, StringComparison.Ordinal));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));

        // The import refuses the same document for the same reason, in the same words.
        var import = await ImportApi.PostAsync(Client, doc.ToJsonString(), "application/json", "source=rule&dry_run=true");
        var rejected = Assert.Single(import.Rejected);
        Assert.Contains(message, rejected.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_MovingALocationToNullIsland_Is400_AndKeepsThePoint()
    {
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(_org, "Kept", 9.9333, -84.0833));
        var id = created.GetProperty("id").GetGuid();
        var doc = JsonNode.Parse(created.GetRawText())!.AsObject();
        doc["service_at_locations"]![0]!["location"]!["latitude"] = 0.0;
        doc["service_at_locations"]![0]!["location"]!["longitude"] = 0.0;

        var response = await Client.PutAsJsonAsync($"/api/services/{id}", doc);

        Assert.Contains(await MessagesAsync(response, Latitude), m => m.Contains("(0, 0)", StringComparison.Ordinal));
        var stored = await Client.GetFromJsonAsync<JsonElement>($"/api/services/{id}");
        Assert.Equal(9.9333, stored.GetProperty("service_at_locations")[0].GetProperty("location").GetProperty("latitude").GetDouble(), 6);
    }

    [Fact]
    public async Task GraphQL_NullIslandAndSwapped_AreValidationFailed_OnTheLatitude()
    {
        foreach (var (lat, lng) in new[] { (0.0, 0.0), (-84.0833, 9.9333) })
        {
            var response = await Client.PostGraphQLAsync(CreateService, new { input = GraphQLMutationTests.Input(TestData.Service(_org, "gql", lat, lng)) });

            var error = response.AssertError("VALIDATION_FAILED");
            Assert.Equal(["serviceAtLocations[0].location.latitude"], error.GetProperty("extensions").GetProperty("fields").EnumerateObject().Select(f => f.Name));
        }
        Assert.Equal(0, await Factory.WithDbAsync(db => Task.FromResult(db.Services.Count())));
    }

    [Fact]
    public async Task Create_RealPositions_AreAccepted_EvenWhereASwapCannotBeDetected()
    {
        // Inside Costa Rica; and a place in a country without an outline (nothing to check a swap against).
        await TestData.CreateServiceAsync(Client, TestData.Service(_org, "San José", 9.9333, -84.0833));
        var elsewhere = TestData.Service(_org, "Madrid", 40.4168, -3.7038);
        elsewhere["service_at_locations"]![0]!["location"]!["addresses"]![0]!["country"] = "ES";
        await TestData.CreateServiceAsync(Client, elsewhere);
    }

    public static TheoryData<string, string> Spoofing => new()
    {
        { "right-to-left override", "Casa \u202Eazopse\u202C" },
        { "left-to-right embedding", "Casa \u202Aluz" },
        { "first strong isolate", "Casa \u2068luz\u2069" },
        { "zero width space", "Pol\u200Bicía" },
        { "zero width joiner", "Poli\u200Dcía" },
        { "byte order mark", "\uFEFFPolicía" },
        { "right-to-left mark", "Policía\u200F" },
        { "soft hyphen", "Poli\u00ADcía" },
        { "tag character (outside the BMP)", "Policía\U000E0041" },
    };

    [Theory]
    [MemberData(nameof(Spoofing))]
    public async Task Create_NameWithInvisibleOrDirectionCharacters_Is400NamingTheCharacter(string kind, string name)
    {
        var doc = TestData.Service(_org, "Visible");
        doc["name"] = name;

        var response = await Client.PostAsJsonAsync("/api/services", doc);

        var messages = await MessagesAsync(response, "name");
        Assert.Contains(messages, m => m.Contains("invisible or direction-changing", StringComparison.Ordinal) && m.Contains("U+", StringComparison.Ordinal));
        Assert.True(kind.Length > 0);
    }

    [Fact]
    public async Task InvisibleCharacters_AreRefusedInEveryTextField_OrganizationsAndLocationsIncluded()
    {
        var org = TestData.Organization("Fundaci\u202Eón");
        var orgResponse = await Client.PostAsJsonAsync("/api/organizations", org);
        Assert.Contains(await MessagesAsync(orgResponse, "name"), m => m.Contains("U+202E", StringComparison.Ordinal));

        var doc = TestData.Service(_org, "Visible");
        doc["service_at_locations"]![0]!["location"]!["name"] = "Oficina\u2066 central";
        var response = await Client.PostAsJsonAsync("/api/services", doc);
        Assert.Contains(await MessagesAsync(response, "service_at_locations[0].location.name"), m => m.Contains("U+2066 at position 8", StringComparison.Ordinal));

        // Ordinary text in other scripts is fine.
        await TestData.CreateServiceAsync(Client, TestData.Service(_org, "Línea 1147 — خط المساعدة — 儿童热线"));
    }
}
