using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>GET /api/nearest with known coordinates: distances, ordering, every filter, remote coverage.</summary>
public sealed class NearestTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const double Lat = 9.9, Lng = -84.1;
    private Guid _org;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _org = await TestData.CreateOrganizationAsync(Client);
    }

    private async Task<Guid> AddAsync(string name, double lat, double lng, string category = "police", Action<JsonObject>? change = null)
    {
        var doc = TestData.Service(_org, name, lat, lng, category);
        change?.Invoke(doc);
        return (await TestData.CreateServiceAsync(Client, doc)).GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> NearestAsync(string query) =>
        await Client.GetFromJsonAsync<JsonElement>($"/api/nearest?lat={Lat.ToString(CultureInfo.InvariantCulture)}&lng={Lng.ToString(CultureInfo.InvariantCulture)}&{query}");

    private static string[] Names(JsonElement response, string list = "results") =>
        [.. response.GetProperty(list).EnumerateArray().Select(r => r.GetProperty("service").GetProperty("name").GetString()!)];

    [Fact]
    public async Task Nearest_OrdersByEllipsoidalDistance_WithExactMetres()
    {
        await AddAsync("north 0.01", Lat + 0.01, Lng);
        await AddAsync("east 0.02", Lat, Lng + 0.02);
        await AddAsync("south 0.005", Lat - 0.005, Lng);
        await AddAsync("health next door", Lat, Lng + 0.001, "health");

        var response = await NearestAsync("category=police");

        Assert.Equal(["south 0.005", "north 0.01", "east 0.02"], Names(response));
        var distances = response.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("distance_m").GetDouble()).ToArray();
        Assert.Equal(Geodesic.DistanceM(Lat, Lng, Lat - 0.005, Lng), distances[0], 0.5);
        Assert.Equal(Geodesic.DistanceM(Lat, Lng, Lat + 0.01, Lng), distances[1], 0.5);
        Assert.Equal(Geodesic.DistanceM(Lat, Lng, Lat, Lng + 0.02), distances[2], 0.5);
        Assert.InRange(distances[1], 1104, 1108);
        var first = response.GetProperty("results")[0];
        Assert.Equal("+50600000001", first.GetProperty("phones")[0].GetProperty("number").GetString());
        Assert.Equal(Lat - 0.005, first.GetProperty("location").GetProperty("latitude").GetDouble(), 6);
        Assert.Equal(["police"], first.GetProperty("service").GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task Nearest_LimitAndMaxDistance_CutTheList()
    {
        await AddAsync("near", Lat + 0.005, Lng);
        await AddAsync("middle", Lat + 0.01, Lng);
        await AddAsync("far", Lat + 0.05, Lng);

        var limited = await NearestAsync("limit=2");
        var within = await NearestAsync("max_distance_m=1200");

        Assert.Equal(["near", "middle"], Names(limited));
        Assert.Equal(["near", "middle"], Names(within));
        Assert.Equal(["near"], Names(await NearestAsync("max_distance_m=600")));
    }

    [Fact]
    public async Task Nearest_OnlyActiveServices()
    {
        await AddAsync("active", Lat + 0.01, Lng);
        await AddAsync("inactive", Lat + 0.001, Lng, change: d => d["status"] = "inactive");
        await AddAsync("closed for now", Lat + 0.002, Lng, change: d => d["status"] = "temporarily closed");

        Assert.Equal(["active"], Names(await NearestAsync("")));
    }

    [Fact]
    public async Task Nearest_FiltersByLanguageAgeGenderModeAndFree()
    {
        await AddAsync("es 0-11 any in_person free", Lat + 0.001, Lng, change: d =>
        {
            d["maximum_age"] = 11;
            d["delivery_modes"] = new JsonArray("in_person");
        });
        await AddAsync("en 12-17 female phone paid", Lat + 0.002, Lng, change: d =>
        {
            d["languages"] = new JsonArray(new JsonObject { ["code"] = "en" });
            d["minimum_age"] = 12;
            d["genders"] = new JsonArray("female");
            d["delivery_modes"] = new JsonArray("phone");
            d["is_free"] = false;
        });

        Assert.Equal(["en 12-17 female phone paid"], Names(await NearestAsync("language=en")));
        Assert.Equal(["en 12-17 female phone paid"], Names(await NearestAsync("age=14")));
        Assert.Equal(["es 0-11 any in_person free"], Names(await NearestAsync("age=11")));
        Assert.Equal(["es 0-11 any in_person free"], Names(await NearestAsync("gender=male")));
        Assert.Equal(2, Names(await NearestAsync("gender=female")).Length);
        Assert.Equal(["en 12-17 female phone paid"], Names(await NearestAsync("mode=phone")));
        Assert.Equal(["es 0-11 any in_person free"], Names(await NearestAsync("free=true")));
        Assert.Equal(["en 12-17 female phone paid"], Names(await NearestAsync("free=false")));
        Assert.Empty(Names(await NearestAsync("age=14&language=es")));
    }

    [Fact]
    public async Task Nearest_SeveralCategories_RepeatedOrCommaSeparated()
    {
        await AddAsync("police", Lat + 0.001, Lng, "police");
        await AddAsync("health", Lat + 0.002, Lng, "health");
        await AddAsync("legal", Lat + 0.003, Lng, "legal_aid");

        Assert.Equal(["police", "health"], Names(await NearestAsync("category=police&category=health")));
        Assert.Equal(["police", "legal"], Names(await NearestAsync("category=police,legal_aid")));
    }

    [Fact]
    public async Task Nearest_TiesAreBrokenDeterministically()
    {
        // Three services at one location (a tie on distance) whose service-at-location ids descend in creation order, so
        // neither insertion order nor time-ordered ids put them in id order: only the tie-break by id does.
        var doc = TestData.Service(_org, "first", Lat + 0.01, Lng);
        doc["service_at_locations"]![0]!["id"] = "00000000-0000-4000-8000-0000000000c3";
        var created = await TestData.CreateServiceAsync(Client, doc);
        var locationId = created.GetProperty("service_at_locations")[0].GetProperty("location_id").GetGuid();
        foreach (var (name, id) in new[] { ("second", "00000000-0000-4000-8000-0000000000b2"), ("third", "00000000-0000-4000-8000-0000000000a1") })
        {
            var same = TestData.Service(_org, name);
            same["service_at_locations"] = new JsonArray(new JsonObject { ["id"] = id, ["location_id"] = locationId });
            await TestData.CreateServiceAsync(Client, same);
        }

        var a = await NearestAsync("");
        var b = await NearestAsync("");

        var ids = a.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("service_at_location_id").GetGuid()).ToList();
        Assert.Equal(["third", "second", "first"], Names(a));
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids, b.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("service_at_location_id").GetGuid()));
    }

    [Fact]
    public async Task Nearest_AgeEqualToMinimumOrMaximum_IsEligible()
    {
        await AddAsync("0-11", Lat + 0.001, Lng, change: d => d["maximum_age"] = 11);
        await AddAsync("12-17", Lat + 0.002, Lng, change: d => d["minimum_age"] = 12);

        // Both ends of an age range are inclusive.
        Assert.Equal(["0-11"], Names(await NearestAsync("age=0")));
        Assert.Equal(["0-11"], Names(await NearestAsync("age=11")));
        Assert.Equal(["12-17"], Names(await NearestAsync("age=12")));
        Assert.Equal(["12-17"], Names(await NearestAsync("age=17")));
        Assert.Empty(Names(await NearestAsync("age=18")));
    }

    [Fact]
    public async Task Nearest_GenderAny_KeepsServicesForEveryGender()
    {
        await AddAsync("any", Lat + 0.001, Lng);
        await AddAsync("girls", Lat + 0.002, Lng, change: d => d["genders"] = new JsonArray("female"));
        await AddAsync("boys", Lat + 0.003, Lng, change: d => d["genders"] = new JsonArray("male"));

        // gender=any means "do not filter by gender", not "only services that say any".
        Assert.Equal(["any", "girls", "boys"], Names(await NearestAsync("gender=any")));
        Assert.Equal(["any", "girls"], Names(await NearestAsync("gender=female")));
    }

    [Fact]
    public async Task Nearest_Audience_KeepsThatAudienceAndServicesForEveryone()
    {
        await AddAsync("children", Lat + 0.001, Lng);
        await AddAsync("caregivers", Lat + 0.002, Lng, change: d => d["audience"] = new JsonArray("caregiver"));
        await AddAsync("everyone", Lat + 0.003, Lng, change: d => d["audience"] = new JsonArray());

        // A service that names no audience is for everyone; one that names audiences only for those.
        Assert.Equal(["caregivers", "everyone"], Names(await NearestAsync("audience=caregiver")));
        Assert.Equal(["children", "everyone"], Names(await NearestAsync("audience=child")));
        Assert.Equal(["everyone"], Names(await NearestAsync("audience=professional")));
        Assert.Equal(["children", "caregivers", "everyone"], Names(await NearestAsync("")));
    }

    [Fact]
    public async Task Nearest_CategoryList_IgnoresCaseSpacesEmptyEntriesAndRepeats()
    {
        await AddAsync("police", Lat + 0.001, Lng, "police");
        await AddAsync("health", Lat + 0.002, Lng, "health");
        await AddAsync("legal", Lat + 0.003, Lng, "legal_aid");

        Assert.Equal(["police", "legal"], Names(await NearestAsync("category=POLICE,%20Legal_Aid%20")));
        Assert.Equal(["police", "legal"], Names(await NearestAsync("category=police,,legal_aid,")));
        Assert.Equal(["health"], Names(await NearestAsync("category=health&category=health,HEALTH")));
    }

    [Fact]
    public async Task Nearest_AgeAndLanguage_AtTheEdgesOfWhatIsAccepted()
    {
        await AddAsync("any age", Lat + 0.001, Lng, change: d =>
        {
            d.Remove("minimum_age");
            d.Remove("maximum_age");
            d["languages"] = new JsonArray(new JsonObject { ["code"] = "bzd" });
        });

        // Ages 0 and 120 are valid, 121 is not; two- and three-letter codes are languages (ISO 639-1 and 639-3).
        Assert.Equal(["any age"], Names(await NearestAsync("age=0")));
        Assert.Equal(["any age"], Names(await NearestAsync("age=120")));
        Assert.Equal(["any age"], Names(await NearestAsync("language=BZD")));
        Assert.Empty(Names(await NearestAsync("language=es")));
        foreach (var (query, field) in new[] { ("age=121", "age"), ("language=e", "language"), ("language=spam", "language"), ("language=e1", "language") })
        {
            var problem = await Problem.AssertAsync(await Client.GetAsync($"/api/nearest?lat=10&lng=10&{query}"), HttpStatusCode.BadRequest, "VALIDATION_FAILED");
            Assert.Equal([field], Problem.Fields(problem));
        }
    }

    [Fact]
    public async Task Nearest_UnknownCategory_NamesItAndListsTheKnownOnes()
    {
        var problem = await Problem.AssertAsync(await Client.GetAsync("/api/nearest?lat=10&lng=10&category=police,Unicorns"), HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        Assert.Equal(["category"], Problem.Fields(problem));
        var message = problem.GetProperty("errors").GetProperty("category")[0].GetString()!;
        Assert.StartsWith("unknown category 'Unicorns'; one of: ", message);
        Assert.Contains("health, helpline, justice, legal_aid", message);
    }

    [Fact]
    public async Task Nearest_ManySitesAlmostEquallyFar_LimitOne_TheEllipsoidDecides()
    {
        // Eight sites 10 000 m … 10 035 m away in different directions. The index orders candidates on a sphere, where
        // east–west distances here are about 0.1 % shorter and north–south ones 0.5 % longer than on the ellipsoid, so the
        // sphere's nearest is an eastern site: only re-ranking a margin of candidates finds the ellipsoid's nearest.
        var (lat0, lng0) = (9.8, -84.2);
        for (var i = 0; i < 8; i++)
        {
            var (lat, lng) = Geodesic.At(lat0, lng0, 90 - (i * 12), 10_035 - (i * 5));
            await AddAsync($"Ring {i}", lat, lng);
        }

        var response = await Client.GetFromJsonAsync<JsonElement>(
            $"/api/nearest?lat={lat0.ToString(CultureInfo.InvariantCulture)}&lng={lng0.ToString(CultureInfo.InvariantCulture)}&limit=1");

        Assert.Equal(["Ring 7"], Names(response));
        Assert.Equal(10_000, response.GetProperty("results")[0].GetProperty("distance_m").GetDouble(), 0.15);
    }

    [Fact]
    public async Task Nearest_Remote_ListsAreaServicesCoveringThePoint_NeverDropped()
    {
        await TestData.AddRegionAsync(Factory, "TST", Lat, Lng, 1.0);
        await AddAsync("national helpline", 0, 0, "helpline", d =>
        {
            d["service_at_locations"] = new JsonArray();
            d["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Testland", ["region_codes"] = new JsonArray("TST") });
            d["available_24_7"] = true;
        });
        await AddAsync("polygon channel", 0, 0, "online_reporting", d =>
        {
            d["service_at_locations"] = new JsonArray();
            d["service_areas"] = new JsonArray(new JsonObject
            {
                ["extent"] = """{"type":"Polygon","coordinates":[[[-84.2,9.8],[-84.0,9.8],[-84.0,10.0],[-84.2,10.0],[-84.2,9.8]]]}""",
            });
        });
        await AddAsync("elsewhere", 0, 0, "helpline", d =>
        {
            d["service_at_locations"] = new JsonArray();
            d["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray("ZZ") });
        });
        await AddAsync("police nearby", Lat + 0.01, Lng);

        var all = await NearestAsync("");
        var helplines = await NearestAsync("category=helpline&open_now=true");

        Assert.Equal(["police nearby"], Names(all));
        Assert.Equal(["polygon channel", "national helpline"], Names(all, "remote"));
        Assert.Contains("TST", all.GetProperty("region_codes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["national helpline"], Names(helplines, "remote"));
        Assert.True(helplines.GetProperty("remote")[0].GetProperty("open_now").GetBoolean());
    }

    [Fact]
    public async Task Nearest_AntimeridianAndPole_MeasureAcrossTheSeam()
    {
        await AddAsync("west of the seam", 0, -179.99);
        await AddAsync("over the pole", 89.99, 180);

        var seam = await Client.GetFromJsonAsync<JsonElement>("/api/nearest?lat=0&lng=179.99&limit=1");
        var pole = await Client.GetFromJsonAsync<JsonElement>("/api/nearest?lat=89.99&lng=0&limit=1");

        Assert.Equal(["west of the seam"], Names(seam));
        Assert.Equal(Geodesic.DistanceM(0, 179.99, 0, -179.99), seam.GetProperty("results")[0].GetProperty("distance_m").GetDouble(), 0.5);
        Assert.Equal(["over the pole"], Names(pole));
        Assert.Equal(Geodesic.DistanceM(89.99, 0, 89.99, 180), pole.GetProperty("results")[0].GetProperty("distance_m").GetDouble(), 0.5);
    }

    [Theory]
    [InlineData("lat=91&lng=0", "lat")]
    [InlineData("lat=10&lng=-181", "lng")]
    [InlineData("lng=10", "lat")]
    [InlineData("lat=10&lng=10&category=unicorns", "category")]
    [InlineData("lat=10&lng=10&limit=0", "limit")]
    [InlineData("lat=10&lng=10&max_distance_m=-5", "max_distance_m")]
    [InlineData("lat=10&lng=10&age=-1", "age")]
    [InlineData("lat=10&lng=10&age=130", "age")]
    [InlineData("lat=10&lng=10&gender=robot", "gender")]
    [InlineData("lat=10&lng=10&mode=pigeon", "mode")]
    [InlineData("lat=10&lng=10&language=spanish", "language")]
    [InlineData("lat=10&lng=10&at=2026-11-30T10:00:00", "at")]
    [InlineData("lat=10&lng=10&at=tomorrow", "at")]
    public async Task Nearest_BadInput_Returns400WithField(string query, string field)
    {
        var response = await Client.GetAsync($"/api/nearest?{query}");

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains(field, Problem.Fields(problem));
    }

    [Theory]
    [InlineData("lat=abc&lng=0", "lat")]
    [InlineData("lat=10&lng=10&open_now=maybe", "open_now")]
    public async Task Nearest_UnparsableNumberOrFlag_Returns400WithField(string query, string field)
    {
        var response = await Client.GetAsync($"/api/nearest?{query}");

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains(field, Problem.Fields(problem));
    }

    [Fact]
    public async Task ServiceAtLocations_WithLatLngProximity_SortedByDistanceWithDistanceM()
    {
        await AddAsync("b", Lat + 0.02, Lng);
        await AddAsync("a", Lat + 0.01, Lng);
        await AddAsync("c", Lat + 0.5, Lng);

        var page = await Client.GetFromJsonAsync<JsonElement>($"/api/service_at_locations?lat={Lat}&lng={Lng}&proximity=5000");
        var unbounded = await Client.GetFromJsonAsync<JsonElement>($"/api/service_at_locations?lat={Lat}&lng={Lng}");
        var bad = await Client.GetAsync("/api/service_at_locations?proximity=100");

        var rows = page.GetProperty("contents").EnumerateArray().ToList();
        Assert.Equal(2, page.GetProperty("total_items").GetInt32());
        Assert.Equal(["a", "b"], rows.Select(r => r.GetProperty("service").GetProperty("name").GetString()));
        Assert.Equal(Geodesic.DistanceM(Lat, Lng, Lat + 0.01, Lng), rows[0].GetProperty("distance_m").GetDouble(), 0.5);
        Assert.Equal(3, unbounded.GetProperty("total_items").GetInt32());
        Assert.Equal("c", unbounded.GetProperty("contents")[2].GetProperty("service").GetProperty("name").GetString());
        await Problem.AssertAsync(bad, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task Nearest_RandomServicesAndOrigins_AgreeWithIndependentGeodesic()
    {
        var random = new Random(20261129);
        var points = new List<(string Name, double Lat, double Lng)>();
        for (var i = 0; i < 120; i++)
        {
            var p = ($"s{i:000}", 8 + (random.NextDouble() * 4), -86 + (random.NextDouble() * 4));
            points.Add(p);
            await AddAsync(p.Item1, p.Item2, p.Item3);
        }

        for (var o = 0; o < 25; o++)
        {
            var lat = 8 + (random.NextDouble() * 4);
            var lng = -86 + (random.NextDouble() * 4);
            var response = await Client.GetFromJsonAsync<JsonElement>(
                $"/api/nearest?lat={lat.ToString(CultureInfo.InvariantCulture)}&lng={lng.ToString(CultureInfo.InvariantCulture)}&limit=15");
            var expected = points
                .Select(p => (p.Name, Distance: Geodesic.DistanceM(lat, lng, p.Lat, p.Lng)))
                .OrderBy(p => p.Distance).Take(15).ToList();
            var actual = response.GetProperty("results").EnumerateArray()
                .Select(r => (Name: r.GetProperty("service").GetProperty("name").GetString()!, Distance: r.GetProperty("distance_m").GetDouble()))
                .ToList();

            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < actual.Count; i++)
            {
                Assert.InRange(actual[i].Distance, expected[i].Distance * 0.999, expected[i].Distance * 1.001);
                // Names agree unless two services are closer together in distance than the tolerance.
                if (i + 1 < expected.Count && expected[i + 1].Distance - expected[i].Distance > expected[i].Distance * 0.002
                    && (i == 0 || expected[i].Distance - expected[i - 1].Distance > expected[i].Distance * 0.002))
                {
                    Assert.Equal(expected[i].Name, actual[i].Name);
                }
            }
        }
    }

    [Fact]
    public async Task Nearest_ALimitOfTwentyFive_ReturnsTwentyFive_InOrderOfDistance()
    {
        // The candidates read before the ellipsoidal re-rank must not cut a large limit short.
        var expected = new List<string>();
        for (var i = 1; i <= 25; i++)
        {
            expected.Add($"site {i:00}");
            await AddAsync($"site {i:00}", Lat + (i * 0.001), Lng);
        }

        Assert.Equal(expected, Names(await NearestAsync("limit=25")));
    }

    [Fact]
    public async Task Nearest_AServiceInSeveralCategories_IsFoundByEachOfThem()
    {
        await AddAsync("legal and police", Lat + 0.001, Lng, change: d => d["categories"] = new JsonArray("legal_aid", "police"));
        await AddAsync("health", Lat + 0.002, Lng, "health");

        Assert.Equal(["legal and police"], Names(await NearestAsync("category=police")));
        Assert.Equal(["legal and police"], Names(await NearestAsync("category=legal_aid")));
        Assert.Equal(["legal and police", "health"], Names(await NearestAsync("category=health,police")));
    }

    [Theory]
    [InlineData("nearest", "audience=toddlers", "audience")]
    [InlineData("referral", "platform=myspace", "platform")]
    public async Task Nearest_AnUnknownAudienceOrPlatform_IsRefused_NamingTheParameter(string path, string query, string field)
    {
        var response = await Client.GetAsync($"/api/{path}?lat={Lat.ToString(CultureInfo.InvariantCulture)}&lng={Lng.ToString(CultureInfo.InvariantCulture)}&{query}");

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal([field], Problem.Fields(problem));
    }

    [Fact]
    public async Task Nearest_ExcludeStale_DropsServicesVerifiedLongAgo_KeepsNeverVerifiedOnes()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await AddAsync("fresh", Lat + 0.001, Lng, change: d => d["assured_date"] = today.AddDays(-10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await AddAsync("stale", Lat + 0.002, Lng, change: d => d["assured_date"] = today.AddYears(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await AddAsync("never verified", Lat + 0.003, Lng);

        Assert.Equal(["fresh", "never verified"], Names(await NearestAsync("exclude_stale=true")));
        Assert.Equal(["fresh", "stale", "never verified"], Names(await NearestAsync("exclude_stale=false")));
    }

    [Fact]
    public async Task Nearest_Remote_MostLocalAreaFirst_ThenByName_ThenById_PhonesInIdOrder_OutlinesElsewhereLeftOut()
    {
        await TestData.AddRegionAsync(Factory, "TS", Lat, Lng, 1.0);
        await TestData.AddRegionAsync(Factory, "TS-SJ", Lat, Lng, 0.5, level: 1, parent: "TS");
        const string around = """{"type":"Polygon","coordinates":[[[-84.2,9.8],[-84.0,9.8],[-84.0,10.0],[-84.2,10.0],[-84.2,9.8]]]}""";
        const string elsewhere = """{"type":"Polygon","coordinates":[[[-80.2,8.8],[-80.0,8.8],[-80.0,9.0],[-80.2,9.0],[-80.2,8.8]]]}""";
        async Task<Guid> Remote(string name, params JsonObject[] areas) => await AddAsync(name, 0, 0, "helpline", d =>
        {
            d["service_at_locations"] = new JsonArray();
            d["service_areas"] = new JsonArray(areas);
        });
        static JsonObject Codes(string name, params string[] codes) => new() { ["name"] = name, ["region_codes"] = new JsonArray([.. codes.Select(c => (JsonNode)c)]) };
        static JsonObject Outline(string name, string geometry) => new() { ["name"] = name, ["extent"] = geometry };

        await Remote("a national line", Codes("the country", "TS"));
        // Its area names the country and the province: it counts as the province's (more local than the country's).
        await AddAsync("b provincial line", 0, 0, "helpline", d =>
        {
            d["service_at_locations"] = new JsonArray();
            d["service_areas"] = new JsonArray(Codes("country and province", "TS", "TS-SJ"));
            d["phones"] = new JsonArray(
                new JsonObject { ["id"] = "00000000-0000-4000-8000-0000000000f2", ["number"] = "+50600000002", ["type"] = "voice" },
                new JsonObject { ["id"] = "00000000-0000-4000-8000-0000000000f1", ["number"] = "+50600000003", ["type"] = "voice" });
        });
        var twins = new[] { await Remote("d provincial twin", Codes("province", "TS-SJ")), await Remote("d provincial twin", Codes("province", "TS-SJ")) };
        // Two areas: the country, and an outline around the point; the outline is the more local, so it is the one shown.
        await Remote("c outlined line", Codes("c's country", "TS"), Outline("c's outline", around));
        // An outline elsewhere and no region codes: it does not serve this point.
        await Remote("e line elsewhere", Outline("far outline", elsewhere));

        var remote = (await NearestAsync("")).GetProperty("remote").EnumerateArray().ToList();

        Assert.Equal(["c outlined line", "b provincial line", "d provincial twin", "d provincial twin", "a national line"],
            remote.Select(r => r.GetProperty("service").GetProperty("name").GetString()));
        Assert.Equal("c's outline", remote[0].GetProperty("service_area").GetProperty("name").GetString());
        Assert.Equal([.. twins.Order()], remote.Skip(2).Take(2).Select(r => r.GetProperty("service").GetProperty("id").GetGuid()));
        Assert.Equal(["+50600000003", "+50600000002"], remote[1].GetProperty("phones").EnumerateArray().Select(p => p.GetProperty("number").GetString()));
    }
}
