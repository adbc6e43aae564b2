using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Regions;

/// <summary>
/// Issue 12, item 9: raw Natural Earth admin-0/admin-1 files post to <c>/api/regions</c> as they are (codes from their ISO
/// properties, MultiPolygons with holes, outlines across the antimeridian), and the region lookup behind <c>remote</c>
/// forgives a coastal point a few hundred metres off a generalised coastline, as the import does.
/// </summary>
public sealed class NaturalEarthRegionTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static string Collection(params string[] features) => $$$"""{"type":"FeatureCollection","features":[{{{string.Join(",", features)}}}]}""";

    private static string Ring(double west, double south, double east, double north, bool clockwise = false) => clockwise
        ? FormattableString.Invariant($"[[{west},{south}],[{west},{north}],[{east},{north}],[{east},{south}],[{west},{south}]]")
        : FormattableString.Invariant($"[[{west},{south}],[{east},{south}],[{east},{north}],[{west},{north}],[{west},{south}]]");

    private Task<HttpResponseMessage> PostAsync(string body) =>
        Client.PostAsync("/api/regions", new StringContent(body, Encoding.UTF8, "application/geo+json"));

    private async Task<string[]> RegionCodesAtAsync(double lat, double lng)
    {
        var nearest = await Public.GetFromJsonAsync<JsonElement>(FormattableString.Invariant($"/api/nearest?lat={lat}&lng={lng}"));
        return [.. nearest.GetProperty("region_codes").EnumerateArray().Select(c => c.GetString()!)];
    }

    [Fact]
    public async Task RawNaturalEarthAdmin0_TakesCodesFromIsoProperties_KeepsHoles_AndSkipsUnitsWithoutACode()
    {
        // As in ne_50m_admin_0_countries: upper-case properties, ISO_A2 "-99" where Natural Earth has none, POP_EST a float.
        var costaRica = $$$"""{"type":"Feature","properties":{"featurecla":"Admin-0 country","LEVEL":2,"ADMIN":"Costa Rica","NAME":"Costa Rica","ISO_A2":"CR","ISO_A3":"CRI","ADM0_A3":"CRI","POP_EST":5047561.0},"geometry":{"type":"MultiPolygon","coordinates":[[{{{Ring(-86, 8, -83, 11)}}},{{{Ring(-85, 9, -84, 10, clockwise: true)}}}],[{{{Ring(-87.2, 5.4, -86.9, 5.7)}}}]]}}""";
        var france = $$$"""{"type":"Feature","properties":{"ADMIN":"France","NAME":"France","ISO_A2":"-99","ISO_A2_EH":"FR","ADM0_A3":"FRA"},"geometry":{"type":"Polygon","coordinates":[{{{Ring(0, 44, 2, 46)}}}]}}""";
        var norway = $$$"""{"type":"Feature","properties":{"ADMIN":"Norway","NAME":"Norway","ISO_A2":"-99","ADM0_A3":"NOR"},"geometry":{"type":"Polygon","coordinates":[{{{Ring(8, 60, 10, 62)}}}]}}""";
        var somaliland = $$$"""{"type":"Feature","properties":{"ADMIN":"Somaliland","NAME":"Somaliland","ISO_A2":"-99","ISO_A2_EH":"-99","ADM0_A3":"SOL"},"geometry":{"type":"Polygon","coordinates":[{{{Ring(44, 9, 46, 10)}}}]}}""";

        var response = await PostAsync(Collection(costaRica, france, norway, somaliland));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, report.GetProperty("created").GetInt32());
        var items = report.GetProperty("regions").EnumerateArray().ToDictionary(r => r.GetProperty("code").GetString()!, r => r.GetProperty("code_from").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["CR"] = "ISO_A2", ["FR"] = "ISO_A2_EH", ["NO"] = "ADM0_A3" }, items);
        var skipped = Assert.Single(report.GetProperty("skipped").EnumerateArray()).GetString()!;
        Assert.Contains("Somaliland", skipped, StringComparison.Ordinal);
        var cr = await Factory.WithDbAsync(db => db.Regions.AsNoTracking().SingleAsync(r => r.Code == "CR"));
        Assert.Equal(("Costa Rica", 0, 5_047_561L), (cr.Name, cr.Level, cr.Population!.Value));
        Assert.Equal(2, cr.Geometry!.NumGeometries);

        Assert.Contains("CR", await RegionCodesAtAsync(8.5, -85.5));
        Assert.Contains("CR", await RegionCodesAtAsync(5.55, -87.05)); // the island, the second polygon
        Assert.DoesNotContain("CR", await RegionCodesAtAsync(9.5, -84.5)); // the hole
    }

    [Fact]
    public async Task RawNaturalEarthAdmin1_IsAProvinceOfItsCountry_AndMergesUnitsOfOneCode()
    {
        var sanJose = $$$"""{"type":"Feature","properties":{"featurecla":"Admin-1 states provinces","name":"San José","iso_3166_2":"CR-SJ","iso_a2":"CR","adm0_a3":"CRI","type_en":"Province"},"geometry":{"type":"Polygon","coordinates":[{{{Ring(-84.5, 9.5, -83.5, 10)}}}]}}""";
        var noCode = $$$"""{"type":"Feature","properties":{"name":"Disputed","iso_3166_2":"-99","iso_a2":"CR"},"geometry":{"type":"Polygon","coordinates":[{{{Ring(-85, 10.5, -84.8, 10.7)}}}]}}""";
        var west = $$$"""{"type":"Feature","properties":{"NAME":"Two parts","ISO_A2":"XA"},"geometry":{"type":"Polygon","coordinates":[{{{Ring(10, 0, 11, 1)}}}]}}""";
        var east = $$$"""{"type":"Feature","properties":{"NAME":"Two parts, smaller","ISO_A2":"XA"},"geometry":{"type":"Polygon","coordinates":[{{{Ring(11, 0, 11.5, 1)}}}]}}""";

        var response = await PostAsync(Collection(sanJose, noCode, west, east));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("iso_3166_2 is '-99'", Assert.Single(report.GetProperty("skipped").EnumerateArray()).GetString(), StringComparison.Ordinal);
        var regions = await Factory.WithDbAsync(db => db.Regions.AsNoTracking().OrderBy(r => r.Code).ToListAsync());
        Assert.Equal(["CR-SJ", "XA"], regions.Select(r => r.Code));
        Assert.Equal((1, "CR", "San José"), (regions[0].Level, regions[0].ParentCode, regions[0].Name));
        Assert.Equal(("Two parts", 1), (regions[1].Name, regions[1].Geometry!.NumGeometries)); // one square, merged along the shared edge
        Assert.Equal(2, report.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("code").GetString() == "XA").GetProperty("merged").GetInt32());
    }

    [Fact]
    public async Task AnOutlineStitchedAcrossTheAntimeridian_IsCutThere_AndCoversBothSidesOnly()
    {
        // A TopoJSON-stitched island (as world-atlas has Fiji): one ring jumping from +178 to -178.
        var fiji = """{"type":"Feature","properties":{"NAME":"Fiji","ISO_A2":"FJ"},"geometry":{"type":"Polygon","coordinates":[[[178,-17],[-178,-17],[-178,-16],[178,-16],[178,-17]]]}}""";

        var response = await PostAsync(Collection(fiji));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("regions")[0];
        Assert.True(item.GetProperty("cut_at_antimeridian").GetBoolean());
        var stored = await Factory.WithDbAsync(db => db.Regions.AsNoTracking().SingleAsync(r => r.Code == "FJ"));
        // On the flat map the import checks positions on, the outline is two parts at the map's edges, not a band round the globe.
        Assert.Equal(2, stored.Geometry!.NumGeometries);
        Assert.False(stored.Geometry.Covers(new Point(0, -16.5)));
        Assert.True(stored.Geometry.Covers(new Point(179.5, -16.5)));
        Assert.True(stored.Geometry.Covers(new Point(-179.5, -16.5)));
        Assert.Contains("FJ", await RegionCodesAtAsync(-16.5, 179.5));
        Assert.Contains("FJ", await RegionCodesAtAsync(-16.5, -179.5));
        Assert.DoesNotContain("FJ", await RegionCodesAtAsync(-16.5, 0));
    }

    [Fact]
    public async Task Remote_ForgivesACoastalPointJustOffASimplifiedCoastline_ButNotTheNeighboursSide()
    {
        // A "coast" at longitude -85 (the sea to the west) and a land border with NB at -84.
        var country = $$$"""{"type":"Feature","properties":{"code":"CT","name":"Coastland","level":0},"geometry":{"type":"Polygon","coordinates":[{{{Ring(-85, 9, -84, 10)}}}]}}""";
        var province = $$$"""{"type":"Feature","properties":{"code":"CT-W","name":"West","level":1,"parent_code":"CT"},"geometry":{"type":"Polygon","coordinates":[{{{Ring(-85, 9, -84.5, 10)}}}]}}""";
        var neighbour = $$$"""{"type":"Feature","properties":{"code":"NB","name":"Neighbour","level":0},"geometry":{"type":"Polygon","coordinates":[{{{Ring(-84, 9, -83, 10)}}}]}}""";
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Collection(country, province, neighbour))).StatusCode);
        var org = await TestData.CreateOrganizationAsync(Client);
        var helpline = TestData.Service(org, "Coastland national helpline", 0, 0, "helpline");
        helpline["service_at_locations"] = new JsonArray();
        helpline["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Coastland", ["region_codes"] = new JsonArray("CT") });
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsJsonAsync("/api/services", helpline)).StatusCode);

        // 300 m west of the coastline (0.00274° of longitude at 9.5°N), in the sea of the simplified outline.
        var offshore = await Public.GetFromJsonAsync<JsonElement>("/api/nearest?lat=9.5&lng=-85.00274");
        var farOut = await Public.GetFromJsonAsync<JsonElement>("/api/nearest?lat=9.5&lng=-85.1"); // 11 km out
        var acrossTheBorder = await Public.GetFromJsonAsync<JsonElement>("/api/nearest?lat=9.5&lng=-83.99"); // 1.1 km inside NB

        Assert.Equal(["CT", "CT-W"], offshore.GetProperty("region_codes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("Coastland national helpline", Assert.Single(offshore.GetProperty("remote").EnumerateArray()).GetProperty("service").GetProperty("name").GetString());
        Assert.Empty(farOut.GetProperty("remote").EnumerateArray());
        Assert.Equal(["NB"], acrossTheBorder.GetProperty("region_codes").EnumerateArray().Select(c => c.GetString()));
        Assert.Empty(acrossTheBorder.GetProperty("remote").EnumerateArray());
    }
}
