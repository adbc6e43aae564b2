using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.GraphQL;

/// <summary>nearestServices, referralCard, places and regions wrap the REST query classes: same records, same order, same errors.</summary>
public sealed class GraphQLReferralTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const double Lat = 9.9, Lng = -84.1;

    private const string Summary = """
        id organizationId name alternateName description url email status interpretationServices applicationProcess
        feesDescription eligibilityDescription minimumAge maximumAge assuredDate assurerEmail alert lastModified isFree available247
        genders deliveryModes audience platforms categories demo verificationStatus languages { id serviceId phoneId name code note }
        organization { id name alternateName description email website legalStatus yearIncorporated lastModified demo }
        """;

    private const string Phones = "phones { id serviceId number extension type description languages { id serviceId phoneId name code note } }";

    private const string Nearby = $$"""
        distanceM openNow serviceAtLocationId country abroad farAway note {{Phones}} service { {{Summary}} }
        location { id organizationId locationType url name alternateName description transportation latitude longitude visibility demo
          addresses { id locationId attention address1 address2 city region stateProvince postalCode country addressType }
          accessibility { id locationId description } }
        """;

    private const string Remote = $$"""
        openNow {{Phones}} service { {{Summary}} } serviceArea { id name regionCodes hasExtent href }
        """;

    private Guid _org;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _org = await TestData.CreateOrganizationAsync(Client);
        await TestData.AddRegionAsync(Factory, "TST", Lat, Lng, 1.0);
    }

    private async Task AddAsync(string name, double north, double east, string category = "police", string visibility = "public")
    {
        var doc = TestData.Service(_org, name, Lat + north, Lng + east, category, visibility);
        doc["languages"] = new JsonArray(new JsonObject { ["code"] = "es" }, new JsonObject { ["code"] = "en" });
        await TestData.CreateServiceAsync(Client, doc);
    }

    private async Task AddRemoteAsync(string name, string category, params string[] platforms)
    {
        var doc = TestData.Service(_org, name, 0, 0, category);
        doc["service_at_locations"] = new JsonArray();
        doc["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Test area", ["region_codes"] = new JsonArray("TST") });
        doc["platforms"] = new JsonArray([.. platforms.Select(p => JsonValue.Create(p))]);
        await TestData.CreateServiceAsync(Client, doc);
    }

    /// <summary>The REST body without <c>at</c>: it is "now", so it differs between two requests.</summary>
    private async Task<JsonNode> RestAsync(string url, HttpClient? client = null)
    {
        var body = JsonNode.Parse(await (client ?? Client).GetStringAsync(url))!;
        body.AsObject().Remove("at");
        return body;
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task NearestServices_SameQueryAsRest_ReturnsSameServicesInSameOrderWithSameDistances()
    {
        await AddAsync("north 0.01", 0.01, 0);
        await AddAsync("east 0.02", 0, 0.02);
        await AddAsync("south 0.005", -0.005, 0);
        await AddAsync("shelter-like police", 0.003, 0.003, visibility: "approximate");
        await AddAsync("health next door", 0, 0.001, "health");
        await AddAsync("too far", 1.5, 0);
        await AddRemoteAsync("national helpline", "police");
        var url = $"/api/nearest?lat={Invariant(Lat)}&lng={Invariant(Lng)}&category=police&limit=4&max_distance_m=50000&age=12";
        var rest = await RestAsync(url, Public);
        var asAdmin = await RestAsync(url);

        var response = await Public.PostGraphQLAsync(
            $$"""
            query($near: GeoPointInput!) {
              nearestServices(near: $near, filter: { categories: [POLICE], age: 12 }, first: 4, maxDistanceMeters: 50000) {
                origin { latitude longitude } regionCodes country sameCountry note results { {{Nearby}} } remote { {{Remote}} }
              }
            }
            """,
            new { near = new { lat = Lat, lng = Lng } });

        var nearest = response.AssertData().GetProperty("nearestServices");
        RestShape.AssertEqual(rest, RestShape.FromGraphQL(nearest));
        var results = nearest.GetProperty("results").EnumerateArray().ToList();
        // The approximate location is measured from its generalised point (a grid-cell centre), so it ranks last.
        Assert.Equal(["south 0.005", "north 0.01", "east 0.02", "shelter-like police"], results.Select(r => r.GetProperty("service").GetProperty("name").GetString()));
        Assert.Equal(
            rest["results"]!.AsArray().Select(r => r!["distance_m"]!.GetValue<double>()),
            results.Select(r => r.GetProperty("distanceM").GetDouble()));
        Assert.Equal("national helpline", nearest.GetProperty("remote")[0].GetProperty("service").GetProperty("name").GetString());
        // An admin sees the approximate site where it really is, 470 m away: first.
        Assert.Equal("shelter-like police", asAdmin["results"]![0]!["service"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task NearestServices_NestedServiceFields_AreBatchLoaded()
    {
        const string query = "{ nearestServices(near: { lat: 9.9, lng: -84.1 }, first: 50) { results { service { name schedules { opensAt } serviceAtLocations { location { name } } } } } }";
        using var counter = new SqlCommandCounter(Factory.DatabaseName);
        async Task<IReadOnlyList<string>> CountAsync(int expected)
        {
            GraphQLResponse? response = null;
            var commands = await counter.RecordAsync(async () => response = await Client.PostGraphQLAsync(query));
            var results = response!.AssertData().GetProperty("nearestServices").GetProperty("results");
            Assert.Equal(expected, results.GetArrayLength());
            Assert.All(results.EnumerateArray(), r =>
            {
                Assert.Equal("08:00", r.GetProperty("service").GetProperty("schedules")[0].GetProperty("opensAt").GetString());
                Assert.EndsWith(" office", r.GetProperty("service").GetProperty("serviceAtLocations")[0].GetProperty("location").GetProperty("name").GetString(), StringComparison.Ordinal);
            });
            return commands;
        }
        await AddAsync("a", 0.01, 0);
        await AddAsync("b", 0.02, 0);
        var two = await CountAsync(2);

        for (var i = 0; i < 10; i++)
        {
            await AddAsync($"c{i}", 0.03 + (i * 0.001), 0);
        }
        var twelve = await CountAsync(12);

        // The nested fields cost the same batches for 2 and for 12 services (one command each, keyed by the parent ids),
        // and no command is sent once per service: no N+1. Only the batches are compared: how many of the answer's own
        // commands run depends on its caches — display cards already loaded by an earlier answer or by the background
        // preload, the category catalog dropped by the reset's NOTIFY — which no test controls.
        static List<string> Batches(IEnumerable<string> commands) => [.. commands.Where(c => c.Contains("ANY (@keys)", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        Assert.True(Batches(two).SequenceEqual(Batches(twelve)),
            $"2 services took these batches:\n{string.Join("\n---\n", Batches(two))}\n=== 12 took:\n{string.Join("\n---\n", Batches(twelve))}");
        Assert.InRange(Batches(twelve).Count, 3, 12);
        Assert.All(twelve.GroupBy(c => c), g => Assert.True(g.Count() == 1, $"sent {g.Count()} times for 12 services:\n{g.Key}"));
        Assert.InRange(twelve.Count, 1, 25);
    }

    [Fact]
    public async Task NearestServices_BadArguments_ReturnTheRestErrorsUnderGraphQLNames()
    {
        var rest = await Problem.AssertAsync(
            await Client.GetAsync("/api/nearest?lat=95&lng=-84&category=nope&age=200&gender=robot&at=tomorrow&max_distance_m=-1&limit=0"),
            HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        var response = await Client.PostGraphQLAsync(
            """
            { nearestServices(near: { lat: 95, lng: -84 }, first: 0, maxDistanceMeters: -1,
                filter: { age: 200 }) { regionCodes } }
            """);
        // Categories, gender and the instant are typed (enums, DateTimeOffset): GraphQL refuses wrong values before running.
        var typed = await Client.PostGraphQLAsync(
            """{ nearestServices(near: { lat: 9, lng: -84 }, filter: { categories: [NOPE], gender: ROBOT, at: "tomorrow" }) { regionCodes } }""");

        var fields = response.AssertError("VALIDATION_FAILED").GetProperty("extensions").GetProperty("fields");
        Assert.Equal(["age", "at", "category", "gender", "lat", "limit", "max_distance_m"], Problem.Fields(rest).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["filter.age", "first", "maxDistanceMeters", "near.lat"],
            fields.EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, typed.Http.StatusCode);
        Assert.All(typed.Body.GetProperty("errors").EnumerateArray(), e => Assert.Equal("BAD_REQUEST", e.GetProperty("extensions").GetProperty("code").GetString()));
        Assert.Equal(
            rest.GetProperty("errors").GetProperty("age")[0].GetString(),
            fields.GetProperty("filter.age")[0].GetString());
    }

    [Fact]
    public async Task ReferralCard_SameProfileAsRest_ReturnsTheSameCard()
    {
        await AddAsync("police 1", 0.01, 0);
        await AddAsync("police 2", 0.02, 0);
        await AddAsync("health 1", 0.03, 0, "health");
        await AddRemoteAsync("online reporting", "online_reporting", "tiktok");
        await AddRemoteAsync("helpline", "helpline");
        var rest = await RestAsync($"/api/referral?lat={Invariant(Lat)}&lng={Invariant(Lng)}&age=12&language=es&needs=police,health,shelter,helpline&platform=tiktok");

        // REST answers in Spanish because language=es is a response language; GraphQL is asked in Spanish by Accept-Language.
        using var spanish = Factory.CreateClient();
        spanish.DefaultRequestHeaders.AcceptLanguage.ParseAdd("es");
        var response = await spanish.PostGraphQLAsync(
            $$"""
            {
              referralCard(near: { lat: 9.9, lng: -84.1 }, profile: { age: 12, language: "es" },
                           needs: [POLICE, HEALTH, SHELTER, HELPLINE], platform: TIKTOK) {
                origin { latitude longitude } profile { age gender language audience platform } regionCodes notice country sameCountry note
                categories { category label note best { {{Nearby}} } alternatives { {{Nearby}} } }
                remote { {{Remote}} } platformChannels { {{Remote}} }
              }
            }
            """);

        var card = response.AssertData().GetProperty("referralCard");
        RestShape.AssertEqual(rest, RestShape.FromGraphQL(card));
        Assert.Equal("police 1", card.GetProperty("categories")[0].GetProperty("best").GetProperty("service").GetProperty("name").GetString());
        Assert.Equal("online reporting", card.GetProperty("platformChannels")[0].GetProperty("service").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ReferralCard_UnknownNeed_IsRefusedByTheEnum_AndBadAgeIsValidationFailed()
    {
        var unknown = await Client.PostGraphQLAsync("{ referralCard(near: { lat: 9.9, lng: -84.1 }, needs: [MAGIC]) { notice } }");
        var response = await Client.PostGraphQLAsync("{ referralCard(near: { lat: 9.9, lng: -84.1 }, needs: [POLICE], profile: { age: -1 }) { notice } }");

        Assert.Equal(HttpStatusCode.BadRequest, unknown.Http.StatusCode);
        Assert.Contains("MAGIC", unknown.AssertError("BAD_REQUEST").GetProperty("message").GetString(), StringComparison.Ordinal);
        var fields = response.AssertError("VALIDATION_FAILED").GetProperty("extensions").GetProperty("fields");
        Assert.Equal(["profile.age"], fields.EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReferralCard_MissingNear_IsABadRequest()
    {
        var response = await Client.PostGraphQLAsync("{ referralCard(needs: [POLICE]) { notice } }");

        Assert.Equal(HttpStatusCode.BadRequest, response.Http.StatusCode);
        response.AssertError("BAD_REQUEST");
    }

    [Fact]
    public async Task Places_SameAsRest_AndBadInputIsValidationFailed()
    {
        await TestData.AddPlaceAsync(Factory, "San José", 335_000, 9.9333, -84.0833, "CR-SJ");
        await TestData.AddPlaceAsync(Factory, "San Juan", 20_000, 9.95, -84.05, "CR-SJ");
        await TestData.AddPlaceAsync(Factory, "Limón", 61_000, 9.99, -83.03, "CR-L");
        var rest = JsonNode.Parse(await Client.GetStringAsync("/api/places?q=san%20j&limit=5"))!["contents"];

        var response = await Client.PostGraphQLAsync("{ places(q: \"san j\", first: 5) { id geonamesId name country regionCode featureCode population latitude longitude } }");
        var bad = await Client.PostGraphQLAsync("{ places(q: \" \", country: \"Costa\", first: 0) { name } }");

        RestShape.AssertEqual(rest, RestShape.FromGraphQL(response.AssertData().GetProperty("places")));
        var fields = bad.AssertError("VALIDATION_FAILED").GetProperty("extensions").GetProperty("fields");
        Assert.Equal(["country", "first", "q"], fields.EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Regions_SameAsRest_AndUnknownCodeIsNotFound()
    {
        await TestData.AddRegionAsync(Factory, "CR-SJ", 9.9, -84.0, 0.3, level: 1, parent: "TST");
        var rest = JsonNode.Parse(await Client.GetStringAsync("/api/regions"));
        var one = await Client.GetFromJsonAsync<JsonElement>("/api/regions/cr-sj");

        var response = await Client.PostGraphQLAsync(
            "{ regions { id code name level parentCode population areaClass source geometry } region(code: \"cr-sj\") { code geometry } }");
        var missing = await Client.PostGraphQLAsync("{ region(code: \"XX\") { code } }");

        var data = response.AssertData();
        RestShape.AssertEqual(rest, RestShape.FromGraphQL(data.GetProperty("regions")));
        Assert.Equal("CR-SJ", data.GetProperty("region").GetProperty("code").GetString());
        Assert.Equal(
            JsonNode.Parse(one.GetProperty("geometry").GetRawText())!.ToJsonString(),
            JsonNode.Parse(data.GetProperty("region").GetProperty("geometry").GetString()!)!.ToJsonString());
        missing.AssertError("NOT_FOUND");
    }
}
