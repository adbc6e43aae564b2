using System.Text.Json;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// The gap rules exactly at their edges. One approximate police site, seen by the public at the centre of its cell
/// (9.025, -84.025), so every distance is reported in 500 m steps and lands exactly on the edges:
///
///   name   population  km north of the public point  reported distance
///   Near   500         2.1                            2 000 m
///   Edge   300         4.9                            5 000 m (exactly the threshold and the target)
///   Far    200         20.1                           20 000 m
///
/// Half the people are at exactly 2 000 m, and exactly 80 % are within 5 km.
/// </summary>
public sealed class GapRuleEdgeTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // The public point is the centre of the site's 0.05° cell; the site is 1.66 km north of it, so the point stays there.
    private const double CellLat = 9.025, CellLng = -84.025;

    private async Task<JsonElement> AnalyseAsync()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "Discreet police", "police", null, "approximate", lat: 9.040, lng: CellLng);
        var csv = "name,lat,lng,population\n"
            + $"Near,{F(LatitudeAt(CellLat, CellLng, 2_100))},{F(CellLng)},500\n"
            + $"Edge,{F(LatitudeAt(CellLat, CellLng, 4_900))},{F(CellLng)},300\n"
            + $"Far,{F(LatitudeAt(CellLat, CellLng, 20_100))},{F(CellLng)},200\n";
        await ImportCsvAsync(Client, "edges", csv);
        var analysis = await GapWorld.AnalyseAsync(Client, new { dataset = "edges", categories = new[] { "police" }, thresholds_km = new[] { 5.0, 10.0 }, target_km = 5 });
        var points = await PointsAsync(Client, analysis);
        Assert.Equal(2_000, points["Near"].GetProperty("police_distance_m").GetDouble());
        Assert.Equal(5_000, points["Edge"].GetProperty("police_distance_m").GetDouble());
        Assert.Equal(20_000, points["Far"].GetProperty("police_distance_m").GetDouble());
        return Group(analysis, "all", "all", "police");
    }

    [Fact]
    public async Task Median_ExactlyHalfTheWeightAtOneDistance_IsThatDistance()
    {
        var m = await AnalyseAsync();

        // The smallest distance with at least half the people (500 of 1 000) at or below it.
        Assert.Equal(2_000, Number(m, "median_distance_m"));
        Assert.Equal(20_000, Number(m, "p90_distance_m"));
    }

    [Fact]
    public async Task Within_DistanceEqualToTheThreshold_CountsAsWithin()
    {
        var m = await AnalyseAsync();

        Assert.Equal(0.8, Within(m, 5));
        Assert.Equal(0.8, Within(m, 10));
    }

    [Fact]
    public async Task Gap_ServedShareExactlyTheTarget_IsNoGap()
    {
        var m = await AnalyseAsync();

        // 800 of 1 000 people within the 5 km target (Edge at exactly 5 km): a share of 0.8 meets the 0.8 target.
        Assert.Equal(0.8, Number(m, "served_share"));
        Assert.False(m.GetProperty("gap").GetBoolean());
    }

    [Fact]
    public async Task Percentiles_SettlementsListedOutOfOrder_P90ExactlyAtNinetyPercent_MaxNotLast()
    {
        // Listed far-first, so the rules must sort by distance: 500 people at 2 km, 400 at 5 km, 100 at 20 km.
        // Median = 2 km (500 of 1 000 at or below it); p90 = 5 km (exactly 900 of 1 000); max = 20 km (listed first).
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "Discreet police", "police", null, "approximate", lat: 9.040, lng: CellLng);
        var csv = "name,lat,lng,population\n"
            + $"Far,{F(LatitudeAt(CellLat, CellLng, 20_100))},{F(CellLng)},100\n"
            + $"Mid,{F(LatitudeAt(CellLat, CellLng, 4_900))},{F(CellLng)},400\n"
            + $"Near,{F(LatitudeAt(CellLat, CellLng, 2_100))},{F(CellLng)},500\n";
        await ImportCsvAsync(Client, "unordered", csv);
        var analysis = await GapWorld.AnalyseAsync(Client, new { dataset = "unordered", categories = new[] { "police" }, thresholds_km = new[] { 5.0 }, target_km = 5 });
        var m = Group(analysis, "all", "all", "police");

        Assert.Equal(2_000, Number(m, "median_distance_m"));
        Assert.Equal(5_000, Number(m, "p90_distance_m"));
        Assert.Equal(20_000, Number(m, "max_distance_m"));
        // No travel-time estimate was asked for, so none is given.
        Assert.True(!m.TryGetProperty("travel_minutes", out var travel) || travel.ValueKind == JsonValueKind.Null, m.ToString());
    }
}
