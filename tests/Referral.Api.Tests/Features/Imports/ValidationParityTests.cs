using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Imports;

/// <summary>
/// A record the API would refuse is refused by the import for the same reason: the same invalid documents go to
/// <c>POST /api/services</c> and to <c>POST /api/imports</c> (HSDS JSON, dry run), and the field errors must be identical.
/// </summary>
public sealed class ValidationParityTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    public static TheoryData<string> Cases => [.. Mutations.Keys];

    private static JsonObject Location(JsonObject d) => d["service_at_locations"]![0]!["location"]!.AsObject();

    private static readonly Dictionary<string, Action<JsonObject>> Mutations = new()
    {
        ["no name"] = d => d.Remove("name"),
        ["unknown status"] = d => d["status"] = "gone",
        ["ages"] = d => { d["minimum_age"] = 15; d["maximum_age"] = 121; },
        ["minimum above maximum"] = d => { d["minimum_age"] = 15; d["maximum_age"] = 12; },
        ["email and url"] = d => { d["email"] = "someone@"; d["url"] = "javascript:alert(1)"; },
        ["phone number and type"] = d => { d["phones"]![0]!["number"] = "call us"; d["phones"]![0]!["type"] = "pigeon"; },
        ["schedule"] = d => { d["schedules"]![0]!["byday"] = "MONDAY"; d["schedules"]![0]!.AsObject().Remove("closes_at"); d["schedules"]![0]!["time_zone"] = "Mars/Olympus"; },
        ["service area"] = d => d["service_areas"] = new JsonArray(new JsonObject { ["name"] = "x", ["region_codes"] = new JsonArray("CR'; --") }),
        ["latitude out of range"] = d => { Location(d)["latitude"] = 91.5; Location(d)["longitude"] = 185.0; },
        ["physical location without coordinates"] = d => { Location(d).Remove("latitude"); Location(d).Remove("longitude"); },
        ["address"] = d => { Location(d)["addresses"]![0]!.AsObject().Remove("city"); Location(d)["addresses"]![0]!["country"] = "Costa Rica"; },
        ["unknown category"] = d => d["categories"] = new JsonArray("police", "bananas"),
        ["unknown organization"] = d => d["organization_id"] = Guid.NewGuid(),
        ["unknown taxonomy term"] = d => d["attributes"] = new JsonArray(new JsonObject { ["taxonomy_term_id"] = Guid.NewGuid() }),
        ["language code"] = d => d["languages"] = new JsonArray(new JsonObject { ["code"] = "Spanish" }),
        ["vocabularies"] = d => { d["genders"] = new JsonArray("robot"); d["delivery_modes"] = new JsonArray("telepathy"); d["audience"] = new JsonArray("pets"); },
        ["control characters"] = d => d["description"] = "a\u0007b",
        ["too many phones"] = d => d["phones"] = new JsonArray([.. Enumerable.Range(0, 201).Select(i => (JsonNode)new JsonObject { ["number"] = $"+506{i:00000000}" })]),
        ["location listed twice"] = d =>
        {
            var id = Guid.NewGuid();
            Location(d)["id"] = id;
            d["service_at_locations"]!.AsArray().Add(new JsonObject { ["location_id"] = id });
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task InvalidDocument_ImportAndApi_RejectWithTheSameFieldErrors(string name)
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var doc = TestData.Service(org, "Parity probe");
        Mutations[name](doc);

        using var api = await Client.PostAsJsonAsync("/api/services", doc);
        var problem = await api.Content.ReadFromJsonAsync<JsonElement>();
        var import = await ImportApi.PostAsync(Client, doc.ToJsonString(), "application/json", "source=parity&dry_run=true");

        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        var expected = problem.GetProperty("errors").EnumerateObject()
            .SelectMany(f => f.Value.EnumerateArray().Select(m => $"{f.Name}: {m.GetString()}")).Order(StringComparer.Ordinal).ToList();
        var actual = import.Rejected
            .Select(r => $"{r.GetProperty("field").GetString()}: {r.GetProperty("message").GetString()}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
    }
}
