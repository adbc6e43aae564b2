using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Features.Access;
using Referral.Api.Tests.Features.Tiles;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Ogc;

/// <summary>
/// DESIGN.md "Confidentiality" on the GIS outputs: OGC features and vector tiles show an approximate site only at its
/// public point, without address or location name, never a hidden one, and a bounding box cannot be used to find the site.
/// </summary>
public sealed class OgcSafetyTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // 0.9 km from the centre of its 0.05° cell, so the public point moves to a neighbouring cell (≥ 1.5 km away).
    private const double SiteLat = 9.9669, SiteLng = -84.0285;
    private const string Street = "Calle del Refugio 321";

    private sealed record Site(Guid Approximate, Guid Hidden, double PublicLat, double PublicLng);

    private async Task<Site> ArrangeAsync()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Shelters");
        async Task<Guid> Add(string visibility, double dLat)
        {
            var doc = TestData.Service(org, "shelter " + visibility, SiteLat + dLat, SiteLng, "shelter", visibility);
            doc["service_at_locations"]![0]!["location"]!["addresses"]![0]!["address_1"] = Street;
            var created = await TestData.CreateServiceAsync(Client, doc);
            return created.GetProperty("service_at_locations")[0].GetProperty("id").GetGuid();
        }
        var approximate = await Add("approximate", 0);
        var hidden = await Add("hidden", 0.0001);
        var shown = await Factory.WithDbAsync(db => db.ServiceAtLocations.Where(x => x.Id == approximate).Select(x => x.Location!.PublicPoint!).SingleAsync());
        return new Site(approximate, hidden, shown.Y, shown.X);
    }

    private static void AssertNoLeak(string what, string text)
    {
        Assert.DoesNotContain(Street, text, StringComparison.Ordinal);
        Assert.DoesNotContain("office", text, StringComparison.Ordinal); // the location names are "<service> office"
        Assert.DoesNotContain("9.966", text, StringComparison.Ordinal);
        Assert.DoesNotContain("84.028", text, StringComparison.Ordinal);
        Assert.True(true, what);
    }

    [Fact]
    public async Task PublicFeatures_ShowApproximateAtPublicPointOnly_WithoutAddressOrName_AndNeverHidden()
    {
        var site = await ArrangeAsync();

        var items = await Public.GetStringAsync("/ogc/collections/services/items?limit=1000");
        var one = await Public.GetStringAsync($"/ogc/collections/services/items/{site.Approximate}");
        var hidden = await Public.GetAsync($"/ogc/collections/services/items/{site.Hidden}");

        var features = JsonDocument.Parse(items).RootElement.GetProperty("features");
        var feature = Assert.Single(features.EnumerateArray());
        Assert.Equal(site.Approximate.ToString(), feature.GetProperty("id").GetString());
        var xy = feature.GetProperty("geometry").GetProperty("coordinates");
        Assert.Equal(site.PublicLng, xy[0].GetDouble(), 6);
        Assert.Equal(site.PublicLat, xy[1].GetDouble(), 6);
        Assert.True(feature.GetProperty("properties").GetProperty("approximate").GetBoolean());
        Assert.Equal(JsonValueKind.Null, feature.GetProperty("properties").GetProperty("address").ValueKind);
        Assert.Equal(JsonValueKind.Null, feature.GetProperty("properties").GetProperty("location_name").ValueKind);
        AssertNoLeak("items", items);
        AssertNoLeak("item", one);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task PublicBbox_AroundTheExactSite_FindsNothing_SoBoxesCannotLocateIt()
    {
        var site = await ArrangeAsync();

        var exact = JsonDocument.Parse(await Public.GetStringAsync("/ogc/collections/services/items?bbox=-84.0295,9.9659,-84.0275,9.9679")).RootElement;
        var shown = JsonDocument.Parse(await Public.GetStringAsync(
            $"/ogc/collections/services/items?bbox={site.PublicLng - 0.001},{site.PublicLat - 0.001},{site.PublicLng + 0.001},{site.PublicLat + 0.001}")).RootElement;

        Assert.Equal(0, exact.GetProperty("numberMatched").GetInt32());
        Assert.Equal(1, shown.GetProperty("numberMatched").GetInt32());
    }

    [Fact]
    public async Task Caseworker_GetsTheExactPointOfApproximate_ButNeverHidden()
    {
        var site = await ArrangeAsync();
        var caseworker = Factory.CreateClient(await Factory.CreateKeyAsync($"cw-{Guid.NewGuid():N}", Roles.Caseworker));

        var near = JsonDocument.Parse(await caseworker.GetStringAsync("/ogc/collections/services/items?bbox=-84.0295,9.9659,-84.0275,9.9679")).RootElement;
        var all = JsonDocument.Parse(await caseworker.GetStringAsync("/ogc/collections/services/items")).RootElement;

        var feature = Assert.Single(near.GetProperty("features").EnumerateArray());
        Assert.Equal(site.Approximate.ToString(), feature.GetProperty("id").GetString());
        Assert.Equal(SiteLng, feature.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble(), 6);
        Assert.Equal(SiteLat, feature.GetProperty("geometry").GetProperty("coordinates")[1].GetDouble(), 6);
        Assert.False(feature.GetProperty("properties").GetProperty("approximate").GetBoolean());
        Assert.Equal(1, all.GetProperty("numberMatched").GetInt32());
    }

    [Fact]
    public async Task ServiceTiles_HoldApproximateAtItsPublicPointOnly_AndNeverHidden()
    {
        var site = await ArrangeAsync();
        var (x, y) = TileTests.TileOf(14, SiteLat, SiteLng);
        var (px, py) = TileTests.TileOf(14, site.PublicLat, site.PublicLng);

        var atSite = await Public.GetAsync($"/tiles/services/14/{x}/{y}.mvt");
        var atPublic = await Public.GetAsync($"/tiles/services/14/{px}/{py}.mvt");
        var layer = TileTests.Decode(await atPublic.Content.ReadAsByteArrayAsync(), 14, px, py).Single();

        Assert.NotEqual((x, y), (px, py));
        Assert.Equal(HttpStatusCode.NoContent, atSite.StatusCode);
        var feature = Assert.Single(layer.Features);
        Assert.Equal(site.Approximate.ToString(), feature.Attributes["id"]);
        Assert.Equal(site.PublicLng, feature.Geometry.Coordinate.X, 3);
        Assert.Equal(site.PublicLat, feature.Geometry.Coordinate.Y, 3);
        Assert.DoesNotContain(feature.Attributes.GetNames(), n => n is "address" or "location_name");
        Assert.DoesNotContain(Street, string.Join("|", feature.Attributes.GetValues()), StringComparison.Ordinal);
    }
}
