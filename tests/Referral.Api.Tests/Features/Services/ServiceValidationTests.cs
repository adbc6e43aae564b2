using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Services;

/// <summary>
/// One case per rule of the service document: each answers 400 with the exact JSON-path key of the bad field, and
/// writes nothing. Every case starts from the valid <see cref="TestData.Service"/> document and breaks one thing.
/// </summary>
public sealed class ServiceValidationTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Location = "service_at_locations[0].location";

    private Guid _organizationId;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _organizationId = await TestData.CreateOrganizationAsync(Client);
    }

    private sealed record Rule(string[] Fields, Action<JsonObject> Break, string? MessageContains = null);

    private static readonly Dictionary<string, Rule> Rules = new()
    {
        ["name missing"] = new(["name"], d => d.Remove("name")),
        ["name blank"] = new(["name"], d => d["name"] = "   "),
        ["status missing"] = new(["status"], d => d.Remove("status")),
        ["organization_id missing"] = new(["organization_id"], d => d.Remove("organization_id")),
        ["organization unknown"] = new(["organization_id"], d => d["organization_id"] = Guid.NewGuid(), "no organization"),
        ["status not in the vocabulary"] = new(["status"], d => d["status"] = "open"),
        ["gender not in the vocabulary"] = new(["genders[0]"], d => d["genders"] = new JsonArray("robot")),
        ["delivery mode not in the vocabulary"] = new(["delivery_modes[1]"], d => d["delivery_modes"] = new JsonArray("phone", "telepathy")),
        ["audience not in the vocabulary"] = new(["audience[0]"], d => d["audience"] = new JsonArray("aliens")),
        ["platform not in the vocabulary"] = new(["platforms[0]"], d => d["platforms"] = new JsonArray("myspace")),
        ["minimum_age below 0"] = new(["minimum_age"], d => d["minimum_age"] = -1),
        ["minimum_age above 120"] = new(["minimum_age"], d => { d["minimum_age"] = 121; d.Remove("maximum_age"); }),
        ["maximum_age above 120"] = new(["maximum_age"], d => d["maximum_age"] = 121),
        ["maximum_age below 0"] = new(["maximum_age"], d => { d.Remove("minimum_age"); d["maximum_age"] = -5; }),
        ["minimum_age above maximum_age"] = new(["minimum_age"], d => { d["minimum_age"] = 10; d["maximum_age"] = 5; }, "maximum_age"),
        ["unknown category code"] = new(["categories[0]"], d => d["categories"] = new JsonArray("astrology"), "unknown category"),
        ["unknown attribute term"] = new(["attributes[0].taxonomy_term_id"],
            d => d["attributes"] = new JsonArray(new JsonObject { ["taxonomy_term_id"] = Guid.NewGuid() }), "unknown taxonomy term"),
        ["attribute without a term"] = new(["attributes[0].taxonomy_term_id"], d => d["attributes"] = new JsonArray(new JsonObject { ["value"] = "x" })),
        ["latitude above 90"] = new([$"{Location}.latitude"], d => Loc(d)["latitude"] = 90.5),
        ["latitude below -90"] = new([$"{Location}.latitude"], d => Loc(d)["latitude"] = -91),
        ["longitude above 180"] = new([$"{Location}.longitude"], d => Loc(d)["longitude"] = 180.01),
        ["longitude below -180"] = new([$"{Location}.longitude"], d => Loc(d)["longitude"] = -200),
        ["latitude 1e308"] = new([$"{Location}.latitude"], d => Loc(d)["latitude"] = 1e308),
        ["longitude -1e308"] = new([$"{Location}.longitude"], d => Loc(d)["longitude"] = -1e308),
        ["latitude beyond double range (1e400)"] = new([$"{Location}.latitude"], d => Loc(d)["latitude"] = JsonNode.Parse("1e400")),
        ["latitude without longitude"] = new([$"{Location}.latitude"], d => Loc(d).Remove("longitude"), "go together"),
        ["longitude without latitude"] = new([$"{Location}.latitude"], d => Loc(d).Remove("latitude"), "go together"),
        ["physical location without coordinates"] = new([$"{Location}.latitude"], d => { Loc(d).Remove("latitude"); Loc(d).Remove("longitude"); }, "physical"),
        ["location organization unknown"] = new([$"{Location}.organization_id"], d => Loc(d)["organization_id"] = Guid.NewGuid(), "no organization"),
        ["same link id twice"] = new(["service_at_locations[1].id"], d =>
        {
            var id = Guid.NewGuid();
            var second = TestData.Service(Guid.Empty, "Second", 10.0, -84.2)["service_at_locations"]![0]!.DeepClone();
            d["service_at_locations"]![0]!["id"] = id;
            second["id"] = id;
            d["service_at_locations"]!.AsArray().Add(second);
        }),
        ["byday with an unknown day"] = new(["schedules[0].byday"], d => Schedule(d)["byday"] = "MO,XX"),
        ["byday missing"] = new(["schedules[0].byday"], d => Schedule(d).Remove("byday")),
        ["byday repeating a day"] = new(["schedules[0].byday"], d => Schedule(d)["byday"] = "MO,TU,MO", "more than once"),
        ["opens_at without closes_at"] = new(["schedules[0].closes_at"], d => Schedule(d).Remove("closes_at"), "go together"),
        ["closes_at not a time"] = new(["schedules[0].closes_at"], d => Schedule(d)["closes_at"] = "25:00", "HH:MM"),
        ["opens_at and closes_at not times"] = new(["schedules[0].opens_at", "schedules[0].closes_at"],
            d => { Schedule(d)["opens_at"] = "8am"; Schedule(d)["closes_at"] = "5pm"; }, "HH:MM"),
        ["unknown IANA time zone"] = new(["schedules[0].time_zone"], d => Schedule(d)["time_zone"] = "Mars/Olympus_Mons", "IANA"),
        ["time zone missing"] = new(["schedules[0].time_zone"], d => Schedule(d).Remove("time_zone")),
        ["valid_from after valid_to"] = new(["schedules[0].valid_to"], d => { Schedule(d)["valid_from"] = "2025-06-01"; Schedule(d)["valid_to"] = "2025-05-31"; }),
        ["valid_from not a date"] = new(["schedules[0].valid_from"], d => Schedule(d)["valid_from"] = "2025-02-30"),
        ["phone number with letters"] = new(["phones[0].number"], d => d["phones"]![0]!["number"] = "CALL-NOW-116"),
        ["phone number missing"] = new(["phones[0].number"], d => d["phones"]![0]!.AsObject().Remove("number")),
        ["phone type not in the vocabulary"] = new(["phones[0].type"], d => d["phones"]![0]!["type"] = "pigeon"),
        ["language code 'spanish'"] = new(["languages[0].code"], d => d["languages"]![0]!["code"] = "spanish", "ISO 639"),
        ["phone language code invalid"] = new(["phones[0].languages[0].code"], d => d["phones"]![0]!["languages"] = new JsonArray(new JsonObject { ["code"] = "e1" })),
        ["service area without extent or region codes"] = new(["service_areas[0]"], d => d["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Nowhere" })),
        ["extent that is a Point"] = new(["service_areas[0].extent"], d => Area(d, """{"type":"Point","coordinates":[-84,10]}"""), "not Point"),
        ["extent that is a self-intersecting bow-tie"] = new(["service_areas[0].extent"],
            d => Area(d, """{"type":"Polygon","coordinates":[[[-85,9],[-83,11],[-83,9],[-85,11],[-85,9]]]}"""), "Self-intersection"),
        ["extent with coordinates out of range"] = new(["service_areas[0].extent"],
            d => Area(d, """{"type":"Polygon","coordinates":[[[-85,9],[185,9],[185,11],[-85,9]]]}"""), "outside longitude"),
        ["extent with more than 20,000 vertices"] = new(["service_areas[0].extent"],
            d => Area(d, $$"""{"type":"Polygon","coordinates":[{{HostilePayloadTests.Circle(20_001)}}]}"""), "20000"),
        ["assured_date in the future"] = new(["assured_date"], d => d["assured_date"] = DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "future"),
        ["more than 10 service areas"] = new(["service_areas"],
            d => d["service_areas"] = new JsonArray([.. Enumerable.Range(0, 11).Select(_ => (JsonNode)new JsonObject { ["region_codes"] = new JsonArray("CR") })]), "ServiceAreas:MaxPerService"),
        ["extent with an antipodal edge"] = new(["service_areas[0].extent"],
            d => Area(d, """{"type":"Polygon","coordinates":[[[-90,0],[90,0],[90,10],[-90,0]]]}"""), "opposite points"),
        ["extent with an altitude beyond double range"] = new(["service_areas[0].extent"],
            d => Area(d, """{"type":"Polygon","coordinates":[[[-85,9,1e400],[-83,9,0],[-83,11,0],[-85,9,1e400]]]}"""), "finite"),
        ["extent that is not GeoJSON"] = new(["service_areas[0].extent"], d => Area(d, "\"a circle around San José\""), "not valid GeoJSON"),
        ["region code invalid"] = new(["service_areas[0].region_codes[1]"],
            d => d["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray("CR", "CR SJ") })),
        ["name longer than 300"] = new(["name"], d => d["name"] = new string('n', 301), "300"),
        ["description longer than 10,000"] = new(["description"], d => d["description"] = new string('d', 10_001), "10000"),
        ["control character in name"] = new(["name"], d => d["name"] = "Line\u0007bell", "control"),
        ["NUL in name"] = new(["name"], d => d["name"] = "a\0b", "control"),
        ["email invalid"] = new(["email"], d => d["email"] = "not-an-email"),
        ["email too long"] = new(["email"], d => d["email"] = "a@" + new string('.', 300) + "@", "256"),
        ["url invalid"] = new(["url"], d => d["url"] = "not a url"),
        ["url not http"] = new(["url"], d => d["url"] = "javascript:alert(1)"),
        ["more than 200 phones"] = new(["phones"], d => d["phones"] = new JsonArray([.. Enumerable.Range(0, 201).Select(i => (JsonNode)new JsonObject { ["number"] = $"+506{i:00000000}" })]), "200"),
        ["more than 50 genders"] = new(["genders"], d => d["genders"] = new JsonArray([.. Enumerable.Range(0, 51).Select(_ => (JsonNode)"any")])),
        ["null phone"] = new(["phones[0]"], d => d["phones"] = new JsonArray((JsonNode?)null), "null"),
        ["null language"] = new(["languages[0].code"], d => d["languages"] = new JsonArray((JsonNode?)null)),
        ["null address"] = new([$"{Location}.addresses[0]"], d => Loc(d)["addresses"] = new JsonArray((JsonNode?)null), "null"),
        ["address country not ISO"] = new([$"{Location}.addresses[0].country"], d => Loc(d)["addresses"]![0]!["country"] = "C1"),
    };

    public static TheoryData<string> RuleNames => [.. Rules.Keys];

    [Theory]
    [MemberData(nameof(RuleNames))]
    public async Task Create_DocumentBreakingOneRule_Returns400WithFieldKeyAndWritesNothing(string rule)
    {
        var (fields, change, message) = Rules[rule];
        var doc = TestData.Service(_organizationId);
        change(doc);
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PostAsync("/api/services", Json(doc.ToJsonString()));

        var body = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(fields.Order(StringComparer.Ordinal), Problem.Fields(body).Order(StringComparer.Ordinal));
        if (message is not null)
        {
            var messages = body.GetProperty("errors").GetProperty(fields[0]).EnumerateArray().Select(m => m.GetString()).ToList();
            Assert.Contains(messages, m => m!.Contains(message, StringComparison.Ordinal));
        }
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Fact]
    public async Task Replace_DocumentBreakingRules_Returns400AndKeepsTheStoredService()
    {
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(_organizationId, "Kept"));
        var id = created.GetProperty("id").GetGuid();
        var doc = TestData.Service(_organizationId, "Replaced");
        doc["phones"] = new JsonArray(new JsonObject { ["number"] = "CALL-NOW" });
        doc["schedules"]![0]!["time_zone"] = "Mars/Olympus_Mons";
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PutAsync($"/api/services/{id}", Json(doc.ToJsonString()));

        var body = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(["phones[0].number", "schedules[0].time_zone"], Problem.Fields(body).Order(StringComparer.Ordinal));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
        var stored = await Client.GetFromJsonAsync<JsonElement>($"/api/services/{id}");
        Assert.Equal("Kept", stored.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Replace_IdInBodyDiffersFromUrl_Returns400AndChangesNothing()
    {
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(_organizationId, "Kept"));
        var id = created.GetProperty("id").GetGuid();
        var doc = TestData.Service(_organizationId, "Replaced");
        doc["id"] = Guid.NewGuid();
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PutAsync($"/api/services/{id}", Json(doc.ToJsonString()));

        var body = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(["id"], Problem.Fields(body));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    private static readonly Dictionary<string, Func<string, string>> MalformedBodies = new()
    {
        ["truncated"] = valid => valid[..(valid.Length / 2)],
        ["trailing garbage"] = valid => valid + " garbage",
        ["a second document"] = valid => valid + valid,
        ["wrong type for minimum_age"] = valid => valid.Replace("\"minimum_age\":0", "\"minimum_age\":\"ten\"", StringComparison.Ordinal),
        ["wrong type for phones"] = valid => valid.Replace("\"phones\":[", "\"phones\":\"+50600000001\",\"x\":[", StringComparison.Ordinal),
        ["minimum_age beyond int"] = valid => valid.Replace("\"minimum_age\":0", "\"minimum_age\":1e400", StringComparison.Ordinal),
        ["organization_id not a guid"] = valid => valid.Replace("\"organization_id\":\"", "\"organization_id\":\"x", StringComparison.Ordinal),
        ["an array instead of an object"] = valid => $"[{valid}]",
        ["null"] = _ => "null",
        ["nested 10,000 deep"] = _ => new string('[', 10_000) + new string(']', 10_000),
        ["lone surrogate"] = valid => valid.Replace("\"name\":\"Test service\"", "\"name\":\"\\ud800\"", StringComparison.Ordinal),
    };

    public static TheoryData<string> MalformedBodyNames => [.. MalformedBodies.Keys];

    [Theory]
    [MemberData(nameof(MalformedBodyNames))]
    public async Task Create_MalformedJson_Returns400MalformedJsonAndWritesNothing(string kind)
    {
        var valid = TestData.Service(_organizationId).ToJsonString();
        var text = MalformedBodies[kind](valid);
        Assert.NotEqual(valid, text);
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PostAsync("/api/services", Json(text));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "MALFORMED_JSON");
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \r\n ")]
    public async Task Create_EmptyBody_Returns400MalformedJson(string text)
    {
        var response = await Client.PostAsync("/api/services", Json(text));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "MALFORMED_JSON");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData(null)]
    public async Task Create_ValidJsonWithWrongContentType_Returns415AndWritesNothing(string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(TestData.Service(_organizationId).ToJsonString()));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PostAsync("/api/services", content);

        await Problem.AssertAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Fact]
    public async Task Create_FormBody_Returns415AndWritesNothing()
    {
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PostAsync("/api/services", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "Form service",
            ["organization_id"] = _organizationId.ToString(),
            ["status"] = "active",
        }));

        await Problem.AssertAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Create_BodyOf5MiB_Returns413AndWritesNothing(bool withContentLength)
    {
        var doc = TestData.Service(_organizationId);
        doc["description"] = new string('d', 5 * 1024 * 1024);
        var bytes = Encoding.UTF8.GetBytes(doc.ToJsonString());
        HttpContent content = withContentLength ? new ByteArrayContent(bytes) : new StreamContent(new UnseekableStream(bytes));
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PostAsync("/api/services", content);

        await Problem.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Fact]
    public async Task Create_BodyJustUnder4MiB_IsReadAndValidated()
    {
        var doc = TestData.Service(_organizationId);
        doc["description"] = new string('d', (4 * 1024 * 1024) - 4096);

        var response = await Client.PostAsync("/api/services", Json(doc.ToJsonString()));

        var body = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(["description"], Problem.Fields(body));
    }

    [Fact]
    public async Task Create_ExtentWithAltitudes_Returns201AndStoresIt2D()
    {
        var doc = TestData.Service(_organizationId);
        Area(doc, """{"type":"Polygon","coordinates":[[[-85,9,1200],[-83,9,0],[-83,11,3.5],[-85,11,0],[-85,9,1200]]]}""");

        var created = await TestData.CreateServiceAsync(Client, doc);

        var extent = JsonDocument.Parse(created.GetProperty("service_areas")[0].GetProperty("extent").GetString()!).RootElement;
        var positions = extent.GetProperty("coordinates")[0][0].EnumerateArray().ToList();
        Assert.Equal(5, positions.Count);
        Assert.All(positions, p => Assert.Equal(2, p.GetArrayLength()));
    }

    [Fact]
    public async Task Create_LocationObjectWithLocationId_CreatesTheLocationUnderThatId()
    {
        var locationId = Guid.NewGuid();
        var doc = TestData.Service(_organizationId);
        doc["service_at_locations"]![0]!["location_id"] = locationId;

        var created = await TestData.CreateServiceAsync(Client, doc);
        var again = await Client.PutAsync($"/api/services/{created.GetProperty("id").GetGuid()}", Json(doc.ToJsonString()));

        Assert.Equal(locationId, created.GetProperty("service_at_locations")[0].GetProperty("location_id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var stored = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(locationId, stored.GetProperty("service_at_locations")[0].GetProperty("location_id").GetGuid());
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static JsonObject Loc(JsonObject doc) => doc["service_at_locations"]![0]!["location"]!.AsObject();

    private static JsonObject Schedule(JsonObject doc) => doc["schedules"]![0]!.AsObject();

    private static void Area(JsonObject doc, string extent) =>
        doc["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Area", ["extent"] = JsonNode.Parse(extent) });

    /// <summary>A stream whose length is unknown, so the body goes without Content-Length and the limit applies while reading.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
