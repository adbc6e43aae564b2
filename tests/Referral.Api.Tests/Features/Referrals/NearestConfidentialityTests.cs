using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

public sealed class NearestConfidentialityTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const double SiteLat = 9.96128, SiteLng = -84.04773;

    private async Task AddShelterAsync(string visibility)
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Shelters " + visibility);
        var doc = TestData.Service(org, "shelter " + visibility, SiteLat, SiteLng, "shelter", visibility);
        doc["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray("TST") });
        await TestData.CreateServiceAsync(Client, doc);
    }

    [Fact]
    public async Task Approximate_DistanceIsFromTheGeneralisedPointAndRounded()
    {
        await AddShelterAsync("approximate");
        const double originLat = 9.90, originLng = -84.10;

        var response = await Public.GetFromJsonAsync<JsonElement>($"/api/nearest?lat={originLat}&lng={originLng}&category=shelter");
        var text = await Public.GetStringAsync($"/api/nearest?lat={originLat}&lng={originLng}&category=shelter");

        var hit = response.GetProperty("results")[0];
        var reported = hit.GetProperty("distance_m").GetDouble();
        var fromCell = Geodesic.DistanceM(originLat, originLng, 9.975, -84.025);
        Assert.Equal(0, reported % 500);
        Assert.InRange(reported, fromCell - 250, fromCell + 250);
        Assert.Equal(9.975, hit.GetProperty("location").GetProperty("latitude").GetDouble(), 6);
        Assert.DoesNotContain(SiteLat.ToString("0.000", CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        Assert.DoesNotContain(SiteLng.ToString("0.000", CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        Assert.DoesNotContain("Calle Prueba", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approximate_SearchedFromBesideItsPublicPoint_IsNeverCloserThan500m()
    {
        // The site's public point is the centre of its cell (9.975, -84.025); searching from on it, 110 m or 240 m from it
        // would round to 0 m, which would tell a searcher "you are there".
        await AddShelterAsync("approximate");

        foreach (var (lat, lng) in new[] { (9.975, -84.025), (9.976, -84.025), (9.975, -84.0228) })
        {
            var response = await Public.GetFromJsonAsync<JsonElement>(
                $"/api/nearest?lat={lat.ToString(CultureInfo.InvariantCulture)}&lng={lng.ToString(CultureInfo.InvariantCulture)}&category=shelter");

            Assert.InRange(Geodesic.DistanceM(lat, lng, 9.975, -84.025), 0, 249);
            Assert.Equal(500, response.GetProperty("results")[0].GetProperty("distance_m").GetDouble());
        }
    }

    [Fact]
    public async Task Hidden_NeverInNearest_ButInRemoteThroughItsArea()
    {
        await TestData.AddRegionAsync(Factory, "TST", SiteLat, SiteLng, 1.0);
        await AddShelterAsync("hidden");

        // Search from 2 km away, so the origin echoed in the answers is not the site itself.
        var text = await Public.GetStringAsync($"/api/nearest?lat=9.98&lng=-84.04");
        var card = await Public.GetStringAsync($"/api/referral?lat=9.98&lng=-84.04&needs=shelter");
        var response = JsonDocument.Parse(text).RootElement;

        Assert.Empty(response.GetProperty("results").EnumerateArray());
        Assert.Equal("shelter hidden", response.GetProperty("remote")[0].GetProperty("service").GetProperty("name").GetString());
        foreach (var output in new[] { text, card })
        {
            Assert.DoesNotContain("9.961", output, StringComparison.Ordinal);
            Assert.DoesNotContain("-84.047", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Calle Prueba", output, StringComparison.Ordinal);
        }
        Assert.Contains("shelter hidden", card, StringComparison.Ordinal);
    }
}
