using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Locations;

/// <summary>DESIGN.md "Confidentiality": exact points and addresses of approximate/hidden locations never reach the public.</summary>
public sealed class ConfidentialityTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const double Lat = 9.96128, Lng = -84.04773;
    private const string Street = "Calle Secreta 77";

    private async Task<(Guid ServiceId, Guid LocationId)> CreateAsync(string visibility)
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Shelter network");
        var doc = TestData.Service(org, $"Shelter ({visibility})", Lat, Lng, "shelter", visibility);
        doc["service_at_locations"]![0]!["location"]!["addresses"]![0]!["address_1"] = Street;
        doc["service_areas"] = new JsonArray(new JsonObject { ["name"] = "San José", ["region_codes"] = new JsonArray("CR-SJ") });
        var created = await TestData.CreateServiceAsync(Client, doc);
        var id = created.GetProperty("id").GetGuid();
        var locationId = await Factory.WithDbAsync(db => db.ServiceAtLocations.Where(x => x.ServiceId == id).Select(x => x.LocationId).SingleAsync());
        return (id, locationId);
    }

    private async Task<string> PublicOutputsAsync(Guid serviceId)
    {
        var texts = new List<string>
        {
            await Public.GetStringAsync($"/api/services/{serviceId}"),
            await Public.GetStringAsync("/api/services"),
            await Public.GetStringAsync("/api/service_at_locations"),
        };
        var sal = await Factory.WithDbAsync(db => db.ServiceAtLocations.Where(x => x.ServiceId == serviceId).Select(x => x.Id).SingleAsync());
        texts.Add(await (await Public.GetAsync($"/api/service_at_locations/{sal}")).Content.ReadAsStringAsync());
        return string.Join("\n", texts);
    }

    private static void AssertNoExactPlace(string output)
    {
        Assert.DoesNotContain(Lat.ToString("0.000", CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
        Assert.DoesNotContain(Lng.ToString("0.000", CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
        Assert.DoesNotContain(Street, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approximate_PublicOutputs_CarryGeneralisedPointAndNoAddress()
    {
        var (serviceId, _) = await CreateAsync("approximate");

        var output = await PublicOutputsAsync(serviceId);
        var detail = await Public.GetFromJsonAsync<JsonElement>($"/api/services/{serviceId}");

        AssertNoExactPlace(output);
        var location = detail.GetProperty("service_at_locations")[0].GetProperty("location");
        Assert.Equal("approximate", location.GetProperty("visibility").GetString());
        Assert.Empty(location.GetProperty("addresses").EnumerateArray());
        var lat = location.GetProperty("latitude").GetDouble();
        var lng = location.GetProperty("longitude").GetDouble();
        Assert.Equal(9.975, lat, 6);
        Assert.Equal(-84.025, lng, 6);
        Assert.InRange(Math.Abs(lat - Lat), 0.001, 0.05);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(300, 0)]
    [InlineData(975, 203)]
    [InlineData(1400, 90)]
    [InlineData(1200, 315)]
    [InlineData(1700, 180)]
    [InlineData(2500, 45)]
    public async Task Approximate_SiteNearItsCellCentre_PublicPointAtLeast1500mAway(double metres, double bearing)
    {
        // A site this far from the centre of its 0.05° cell (9.975, -84.025) on this bearing: within 1.5 km of the centre
        // the shown point moves to the neighbouring cell, so no public point is ever within 1.5 km of a site.
        var (lat, lng) = Geodesic.At(9.975, -84.025, bearing, metres);
        var org = await TestData.CreateOrganizationAsync(Client, "Shelter network");
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Shelter", lat, lng, "shelter", "approximate"));

        var detail = await Public.GetFromJsonAsync<JsonElement>($"/api/services/{created.GetProperty("id").GetGuid()}");

        var location = detail.GetProperty("service_at_locations")[0].GetProperty("location");
        var shown = Geodesic.DistanceM(lat, lng, location.GetProperty("latitude").GetDouble(), location.GetProperty("longitude").GetDouble());
        Assert.True(shown >= 1500, $"a site {metres} m from its cell centre is shown {shown:0} m away");
        Assert.InRange(shown, 1500, 9000);
    }

    [Fact]
    public async Task Hidden_IsNeverListedOrPlaced_ButServiceIsReachableThroughAreaAndPhone()
    {
        var (serviceId, _) = await CreateAsync("hidden");

        var output = await PublicOutputsAsync(serviceId);
        var detail = await Public.GetFromJsonAsync<JsonElement>($"/api/services/{serviceId}");
        var sals = await Public.GetFromJsonAsync<JsonElement>("/api/service_at_locations");

        AssertNoExactPlace(output);
        Assert.Empty(detail.GetProperty("service_at_locations").EnumerateArray());
        Assert.Equal(0, sals.GetProperty("total_items").GetInt32());
        Assert.Equal("CR-SJ", detail.GetProperty("service_areas")[0].GetProperty("region_codes")[0].GetString());
        Assert.NotEmpty(detail.GetProperty("phones").EnumerateArray());
    }

    [Fact]
    public async Task EveryLocationField_ShownForAPublicPlace_WithheldForAnApproximateOne_ShownToItsEditor()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Mixed network");
        async Task<(Guid Service, Guid Location)> Add(string visibility, double lat)
        {
            var doc = TestData.Service(org, $"Place ({visibility})", lat, Lng, "shelter", visibility);
            var location = doc["service_at_locations"]![0]!["location"]!;
            location["name"] = $"Casa {visibility}";
            location["alternate_name"] = $"Alias {visibility}";
            location["url"] = $"https://{visibility}.example.org";
            location["description"] = $"Behind the {visibility} church";
            location["transportation"] = $"Bus 5 to the {visibility} stop";
            location["accessibility"] = new JsonArray(new JsonObject { ["description"] = $"Ramp at the {visibility} gate" });
            var id = (await TestData.CreateServiceAsync(Client, doc)).GetProperty("id").GetGuid();
            var locationId = await Factory.WithDbAsync(db => db.ServiceAtLocations.Where(x => x.ServiceId == id).Select(x => x.LocationId).SingleAsync());
            await Factory.WithDbAsync(db => db.Locations.Where(l => l.Id == locationId)
                .ExecuteUpdateAsync(u => u.SetProperty(l => l.Source, "registry").SetProperty(l => l.SourceId, $"site-{visibility}")));
            return (id, locationId);
        }
        var open = await Add("public", 9.93);
        var secret = await Add("approximate", Lat);
        var editor = Factory.CreateClient(await Factory.CreateKeyAsync($"ed-{Guid.NewGuid():N}", Referral.Api.Features.Access.Roles.Editor, org));
        static async Task<JsonElement> LocationAsync(HttpClient client, Guid service) =>
            (await client.GetFromJsonAsync<JsonElement>($"/api/services/{service}")).GetProperty("service_at_locations")[0].GetProperty("location");
        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        static void AssertExact(JsonElement l, string visibility, double lat)
        {
            Assert.Equal($"Casa {visibility}", Text(l, "name"));
            Assert.Equal($"Alias {visibility}", Text(l, "alternate_name"));
            Assert.Equal($"https://{visibility}.example.org", Text(l, "url"));
            Assert.Equal($"Behind the {visibility} church", Text(l, "description"));
            Assert.Equal($"Bus 5 to the {visibility} stop", Text(l, "transportation"));
            Assert.Equal($"Ramp at the {visibility} gate", Assert.Single(l.GetProperty("accessibility").EnumerateArray()).GetProperty("description").GetString());
            Assert.Equal("Calle Prueba 1", Assert.Single(l.GetProperty("addresses").EnumerateArray()).GetProperty("address_1").GetString());
            Assert.Equal("registry", Text(l, "source"));
            Assert.Equal($"site-{visibility}", Text(l, "source_id"));
            Assert.Equal(lat, l.GetProperty("latitude").GetDouble(), 6);
            Assert.Equal(Lng, l.GetProperty("longitude").GetDouble(), 6);
        }

        // A public place is shown whole to everybody.
        AssertExact(await LocationAsync(Public, open.Service), "public", 9.93);
        // An approximate one: a generic label with its country, the generalised point, and none of the text that could name it.
        var shown = await LocationAsync(Public, secret.Service);
        Assert.Equal("Confidential location — Costa Rica", Text(shown, "name"));
        foreach (var field in new[] { "alternate_name", "url", "description", "transportation", "source", "source_id" })
        {
            Assert.Null(Text(shown, field));
        }
        Assert.Empty(shown.GetProperty("accessibility").EnumerateArray());
        Assert.Empty(shown.GetProperty("addresses").EnumerateArray());
        Assert.Equal(9.975, shown.GetProperty("latitude").GetDouble(), 6);
        Assert.Equal(-84.025, shown.GetProperty("longitude").GetDouble(), 6);
        Assert.Equal("approximate", Text(shown, "visibility"));
        // Its own organization's editor sees it exactly, as the admin does.
        AssertExact(await LocationAsync(editor, secret.Service), "approximate", Lat);
        AssertExact(await LocationAsync(Client, secret.Service), "approximate", Lat);
    }

    [Theory]
    [InlineData("approximate")]
    [InlineData("hidden")]
    public async Task WritingBackThePublicDocument_KeepsExactPointAndAddress(string visibility)
    {
        var (serviceId, locationId) = await CreateAsync(visibility);
        var text = await Public.GetStringAsync($"/api/services/{serviceId}");
        var doc = JsonNode.Parse(text)!.AsObject();
        doc["name"] = "Renamed shelter";
        if (visibility == "hidden")
        {
            // The public document has no location at all; writing it back would unlink it, so keep the link by id.
            doc["service_at_locations"] = new JsonArray(new JsonObject { ["location_id"] = locationId });
        }

        var put = await Client.PutAsJsonAsync($"/api/services/{serviceId}", doc);

        put.EnsureSuccessStatusCode();
        var stored = await Factory.WithDbAsync(db => db.Locations.Include(l => l.Addresses).AsNoTracking().SingleAsync(l => l.Id == locationId));
        Assert.Equal(Lat, stored.Point!.Y, 9);
        Assert.Equal(Lng, stored.Point.X, 9);
        Assert.Equal(Street, Assert.Single(stored.Addresses).Address1);
        Assert.Equal(visibility, stored.Visibility);
    }

    [Fact]
    public async Task PublicLocation_AddressesInIdOrder_AccessibilityIdStable_DemoFlagOnlyOnDemoData()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Open offices");
        var doc = TestData.Service(org, "Open office", Lat + 0.1, Lng, "police");
        var location = doc["service_at_locations"]![0]!["location"]!.AsObject();
        location["addresses"] = new JsonArray(
            new JsonObject { ["id"] = "00000000-0000-4000-8000-0000000000a2", ["address_1"] = "Second entrance", ["city"] = "San José", ["country"] = "CR" },
            new JsonObject { ["id"] = "00000000-0000-4000-8000-0000000000a1", ["address_1"] = "Main entrance", ["city"] = "San José", ["country"] = "CR" });
        location["accessibility"] = new JsonArray(new JsonObject { ["description"] = "Step-free entrance" });
        var id = (await TestData.CreateServiceAsync(Client, doc)).GetProperty("id").GetGuid();
        async Task<JsonElement> LocationAsync() =>
            (await Public.GetFromJsonAsync<JsonElement>($"/api/services/{id}")).GetProperty("service_at_locations")[0].GetProperty("location");

        var shown = await LocationAsync();
        var locationId = shown.GetProperty("id").GetGuid();

        Assert.Equal(["Main entrance", "Second entrance"], shown.GetProperty("addresses").EnumerateArray().Select(a => a.GetProperty("address_1").GetString()));
        // The accessibility entry's id is derived from the location's, so it is the same in every output and every version.
        Assert.Equal(Referral.Api.Infrastructure.DeterministicGuid.Create(locationId, "accessibility"), shown.GetProperty("accessibility")[0].GetProperty("id").GetGuid());
        Assert.True(!shown.TryGetProperty("demo", out var demo) || demo.ValueKind == JsonValueKind.Null, shown.ToString());

        await Factory.WithDbAsync(db => db.Database.ExecuteSqlAsync($"UPDATE location SET is_demo = true WHERE id = {locationId}"));
        Assert.True((await LocationAsync()).GetProperty("demo").GetBoolean());
    }
}
