using System.Text;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// A small world worked out by hand. Everything lies on one meridian, so distances are designed numbers:
/// police sites P1 at 0 km and P2 at 100 km north; eleven settlements between them (km north of P1):
///
///   name     population  class given  km      region  nearest police  class (derived when not given)
///   Alpha    60,000      city         1       TA      1    (P1)       urban_centre
///   Bravo    50,000      -            3       TA      3    (P1)       urban_centre (edge: exactly 50,000)
///   Charlie  49,999      -            6       TA      6    (P1)       urban_cluster (edge)
///   Delta     5,000      -           12       TA      12   (P1)       urban_cluster (edge: exactly 5,000)
///   Echo      4,999      -           29       TA      29   (P1)       rural (edge)
///   Foxtrot   1,000      -           45       TA      45   (P1)       rural
///   Golf      1,000      -           60       TB      40   (P2)       rural
///   Hotel       100      -           95.5     TB      4.5  (P2)       rural
///   India       500      village      4.9995  TB      4.9995 (P1)     rural (inside 5 km by 0.5 m)
///   Juliet      500      -            5.0005  TB      5.0005 (P1)     rural (outside 5 km by 0.5 m)
///   Kilo          0      -           52       TB      48   (P2)       rural (weighs nothing)
///
/// Helplines serve region TA; online reporting serves the parent region T; a hidden shelter sits on Hotel and serves TB;
/// nobody offers justice. Region TC (same parent) has no settlement, so the results do not list it.
/// </summary>
public sealed class GapHandComputedTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Dataset = "hand-computed world";

    private static readonly (string Name, long Population, string Class, double Km, string Region)[] Settlements =
    [
        ("Alpha", 60_000, "city", 1, "TA"),
        ("Bravo", 50_000, "", 3, "TA"),
        ("Charlie", 49_999, "", 6, "TA"),
        ("Delta", 5_000, "", 12, "TA"),
        ("Echo", 4_999, "", 29, "TA"),
        ("Foxtrot", 1_000, "", 45, "TA"),
        ("Golf", 1_000, "", 60, "TB"),
        ("Hotel", 100, "", 95.5, "TB"),
        ("India", 500, "village", 4.9995, "TB"),
        ("Juliet", 500, "", 5.0005, "TB"),
        ("Kilo", 0, "", 52, "TB"),
    ];

    /// <summary>Designed distance (km) from each settlement to its nearest police site.</summary>
    private static readonly Dictionary<string, double> PoliceKm = new()
    {
        ["Alpha"] = 1,
        ["Bravo"] = 3,
        ["Charlie"] = 6,
        ["Delta"] = 12,
        ["Echo"] = 29,
        ["Foxtrot"] = 45,
        ["Golf"] = 40,
        ["Hotel"] = 4.5,
        ["India"] = 4.9995,
        ["Juliet"] = 5.0005,
        ["Kilo"] = 48,
    };

    private const double Total = 173_098; // 60,000 + 50,000 + 49,999 + 5,000 + 4,999 + 1,000 + 1,000 + 100 + 500 + 500 + 0

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Outlines far from the settlements: these tests assign regions by code, and coverage follows parent codes.
        await TestData.AddRegionAsync(Factory, "T", -40, 100, 3, level: 0);
        await TestData.AddRegionAsync(Factory, "TA", -41, 99, 0.5, level: 1, parent: "T");
        await TestData.AddRegionAsync(Factory, "TB", -40, 101, 0.5, level: 1, parent: "T");
        await TestData.AddRegionAsync(Factory, "TC", -39, 100, 0.5, level: 1, parent: "T");
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "P1", "police", 0);
        await ServiceAsync(Client, org, "P2", "police", 100);
        await ServiceAsync(Client, org, "Helpline TA", "helpline", null, areaCodes: ["TA"], modes: ["phone"]);
        await ServiceAsync(Client, org, "Reporting T", "online_reporting", null, areaCodes: ["T"], modes: ["online_form"]);
        await ServiceAsync(Client, org, "Hidden shelter", "shelter", 95.5, visibility: "hidden", areaCodes: ["TB"]);
        var csv = new StringBuilder("name,lat,lng,population,settlement_class,region_code\n");
        foreach (var s in Settlements)
        {
            csv.Append($"{s.Name},{F(North(s.Km))},{F(Lng0)},{s.Population},{s.Class},{s.Region}\n");
        }
        await ImportCsvAsync(Client, Dataset, csv.ToString());
    }

    private Task<JsonElement> AnalyseAsync(object? extra = null) => GapWorld.AnalyseAsync(Client, extra ?? new
    {
        dataset = Dataset,
        categories = new[] { "police", "helpline", "online_reporting", "shelter", "justice" },
        worst_n = 3,
        travel_time = new { },
    });

    [Fact]
    public async Task Distances_PerSettlement_AreTheDesignedEllipsoidalMetres()
    {
        var analysis = await AnalyseAsync();

        var points = await PointsAsync(Client, analysis);

        Assert.Equal(11, points.Count);
        foreach (var (name, km) in PoliceKm)
        {
            Assert.Equal(km * 1000, points[name].GetProperty("police_distance_m").GetDouble(), 0.15);
        }
        // The hidden shelter sits exactly on Hotel, yet no distance to it is ever given: it counts only through its area.
        Assert.All(points.Values, p => Assert.Equal(JsonValueKind.Null, p.GetProperty("shelter_distance_m").ValueKind));
        Assert.True(points["Hotel"].GetProperty("shelter_covered").GetBoolean());
        Assert.False(points["Alpha"].GetProperty("shelter_covered").GetBoolean());
        Assert.All(points.Values, p => Assert.Equal(JsonValueKind.Null, p.GetProperty("justice_distance_m").ValueKind));
        Assert.Equal("urban_centre", points["Alpha"].GetProperty("settlement_class").GetString());
        Assert.Equal("given", points["Alpha"].GetProperty("class_source").GetString());
        Assert.Equal("urban_centre", points["Bravo"].GetProperty("settlement_class").GetString());
        Assert.Equal("urban_cluster", points["Charlie"].GetProperty("settlement_class").GetString());
        Assert.Equal("urban_cluster", points["Delta"].GetProperty("settlement_class").GetString());
        Assert.Equal("rural", points["Echo"].GetProperty("settlement_class").GetString());
        Assert.Equal("rural", points["India"].GetProperty("settlement_class").GetString());
        Assert.Equal("derived", points["Echo"].GetProperty("class_source").GetString());
    }

    [Fact]
    public async Task Police_AllSettlements_EveryFigureAsWorkedOutByHand()
    {
        var analysis = await AnalyseAsync();

        var m = Group(analysis, "all", "all", "police");

        Assert.Equal(11, m.GetProperty("settlements").GetInt32());
        Assert.Equal(Total, m.GetProperty("population").GetDouble());
        // Σ P·d = 60,000·1 + 50,000·3 + 49,999·6 + 5,000·12 + 4,999·29 + 1,000·45 + 1,000·40 + 100·4.5 + 500·4.9995 + 500·5.0005 + 0·48
        var weighted = (60_000 * 1.0) + (50_000 * 3.0) + (49_999 * 6.0) + (5_000 * 12.0) + (4_999 * 29.0) + (1_000 * 45.0) + (1_000 * 40.0)
            + (100 * 4.5) + (500 * 4.9995) + (500 * 5.0005);
        Assert.Equal(805_415.0, weighted, 6);
        Assert.Equal(weighted / Total * 1000, Number(m, "mean_distance_m")!.Value, 0.15);
        // Sorted by distance, cumulative population: Alpha 60,000; Bravo 110,000 ≥ 50% of 173,098 = 86,549 → median 3 km.
        Assert.Equal(3000, Number(m, "median_distance_m")!.Value, 0.15);
        // … Hotel 110,100; India 110,600; Juliet 111,100; Charlie 161,099 ≥ 90% = 155,788.2 → p90 6 km.
        Assert.Equal(6000, Number(m, "p90_distance_m")!.Value, 0.15);
        // The farthest settlement counts even with nobody in it (Kilo, 48 km).
        Assert.Equal(48_000, Number(m, "max_distance_m")!.Value, 0.15);
        // Within 5 km (edge inclusive): Alpha, Bravo, Hotel (4.5), India (4 999.5 m) — not Juliet (5 000.5 m).
        Assert.Equal(Math.Round(110_600 / Total, 4), Within(m, 5));
        Assert.Equal(Math.Round(161_099 / Total, 4), Within(m, 10));
        Assert.Equal(Math.Round(166_099 / Total, 4), Within(m, 25));
        Assert.Equal(1.0, Within(m, 50));
        Assert.Equal(Math.Round(166_099 / Total, 4), Number(m, "served_share"));
        Assert.False(m.GetProperty("gap").GetBoolean());
        // P1 is counted at Alpha (1 km), P2 at Hotel (4.5 km): 2 services per 173,098 people.
        Assert.Equal(2, m.GetProperty("services").GetInt32());
        Assert.Equal(Math.Round(2 / Total * 100_000, 3), Number(m, "services_per_100k"));
        // 2SFCA, catchment 30 km: R_P1 = 1 / 170,998 (Alpha … Echo, India, Juliet); R_P2 = 1 / 100 (Hotel only).
        // Σ P_i·A_i = 170,998·R_P1 + 100·R_P2 = 2, so the population-weighted mean is 2 / 173,098 per person.
        Assert.Equal(Math.Round(2 / Total * 100_000, 4), Number(m, "accessibility_per_100k"));
    }

    [Fact]
    public async Task Police_UrbanVersusRural_SideBySideWithRatios()
    {
        var analysis = await AnalyseAsync();

        var s = Summary(analysis, "police");
        var urban = s.GetProperty("urban");
        var rural = s.GetProperty("rural");

        // Urban = urban centres (Alpha, Bravo) + urban clusters (Charlie, Delta).
        Assert.Equal(164_999, urban.GetProperty("population").GetDouble());
        var urbanMean = ((60_000 * 1.0) + (50_000 * 3.0) + (49_999 * 6.0) + (5_000 * 12.0)) / 164_999 * 1000;
        Assert.Equal(urbanMean, Number(urban, "mean_distance_m")!.Value, 0.15);
        Assert.Equal(8_099, rural.GetProperty("population").GetDouble());
        var ruralMean = ((4_999 * 29.0) + (1_000 * 45.0) + (1_000 * 40.0) + (100 * 4.5) + (500 * 4.9995) + (500 * 5.0005)) / 8_099 * 1000;
        Assert.Equal(ruralMean, Number(rural, "mean_distance_m")!.Value, 0.15);
        Assert.Equal(ruralMean / urbanMean, Number(s.GetProperty("rural_to_urban"), "mean_distance")!.Value, 0.002);
        // Rural median: cumulative Hotel 100, India 600, Juliet 1,100, Echo 6,099 ≥ 4,049.5 → 29 km.
        Assert.Equal(29_000, Number(rural, "median_distance_m")!.Value, 0.15);
        Assert.Equal(1.0, Number(urban, "served_share"));
        Assert.Equal(Math.Round(1_100 / 8_099.0, 4), Number(rural, "served_share"));
        Assert.False(urban.GetProperty("gap").GetBoolean());
        Assert.True(rural.GetProperty("gap").GetBoolean());
        Assert.Equal(Math.Round(Math.Round(1_100 / 8_099.0, 4) / 1.0, 3), Number(s.GetProperty("rural_to_urban"), "served_share"));
        // Services: P1 at Alpha (urban), P2 at Hotel (rural).
        Assert.Equal(Math.Round(1 / 164_999.0 * 100_000, 3), Number(urban, "services_per_100k"));
        Assert.Equal(Math.Round(1 / 8_099.0 * 100_000, 3), Number(rural, "services_per_100k"));
        // 2SFCA: every urban settlement gets R_P1; rural: Echo, India, Juliet get R_P1 and Hotel R_P2.
        Assert.Equal(Math.Round(100_000 / 170_998.0, 4), Number(urban, "accessibility_per_100k"));
        Assert.Equal(Math.Round(((5_999 / 170_998.0) + 1) / 8_099 * 100_000, 4), Number(rural, "accessibility_per_100k"));
        Assert.Contains("rural people live", s.GetProperty("headline").GetString(), StringComparison.Ordinal);
        Assert.Equal(["Kilo", "Foxtrot", "Golf"], s.GetProperty("worst_served").EnumerateArray().Select(w => w.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Classes_AndRegions_EachGroup_AndNoRegionWithoutSettlements()
    {
        var analysis = await AnalyseAsync();

        var rules = analysis.GetProperty("results").GetProperty("rules");
        var classes = rules.GetProperty("settlement_class");
        Assert.Equal(2, classes.GetProperty("given").GetInt32());
        Assert.Equal(9, classes.GetProperty("derived").GetInt32());
        Assert.Equal(50_000, classes.GetProperty("urban_centre_min_population").GetInt64());
        Assert.Contains("≥ 50,000 urban_centre", classes.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(110_000, Group(analysis, "all", "urban_centre", "police").GetProperty("population").GetDouble());
        Assert.Equal(54_999, Group(analysis, "all", "urban_cluster", "police").GetProperty("population").GetDouble());
        var ta = Group(analysis, "TA", "all", "police");
        Assert.Equal(170_998, ta.GetProperty("population").GetDouble());
        Assert.Equal(1, ta.GetProperty("services").GetInt32());
        var tb = Group(analysis, "TB", "all", "police");
        Assert.Equal(2_100, tb.GetProperty("population").GetDouble());
        // TB within 25 km: Hotel, India, Juliet = 1,100 of 2,100 people → below the 80% target.
        Assert.Equal(Math.Round(1_100 / 2_100.0, 4), Number(tb, "served_share"));
        Assert.True(tb.GetProperty("gap").GetBoolean());
        Assert.Equal(Math.Round(100_000 / 2_100.0, 3), Number(tb, "services_per_100k"));
        // TC (same parent, nobody in the dataset) is not listed: only regions with settlements are.
        Assert.DoesNotContain(analysis.GetProperty("results").GetProperty("groups").EnumerateArray(), g => g.GetProperty("region_code").GetString() == "TC");
        Assert.Equal(2, analysis.GetProperty("results").GetProperty("totals").GetProperty("regions").GetInt32());
    }

    [Fact]
    public async Task SettlementMedianAndP90_CountEachSettlementOnce_BesideTheWeightedOnes()
    {
        var analysis = await AnalyseAsync();

        // TA, sorted: Alpha 1, Bravo 3, Charlie 6, Delta 12, Echo 29, Foxtrot 45 km. Six settlements: the median is the mean
        // of the 3rd and 4th, (6 + 12) / 2 = 9 km; p90 at rank (6 − 1) × 0.9 = 4.5: 29 + 0.5 × (45 − 29) = 37 km.
        var ta = Group(analysis, "TA", "all", "police");
        Assert.Equal(9_000, Number(ta, "median_distance_m_settlements")!.Value, 0.15);
        Assert.Equal(37_000, Number(ta, "p90_distance_m_settlements")!.Value, 0.15);
        // Weighted, Alpha and Bravo hold 110,000 of 170,998 people: half of them live within 3 km.
        Assert.Equal(3_000, Number(ta, "median_distance_m")!.Value, 0.15);
        // All eleven, sorted: 1, 3, 4.5, 4.9995, 5.0005, 6, 12, 29, 40, 45, 48 → median the 6th, 6 km; p90 at rank 9: 45 km.
        var all = Group(analysis, "all", "all", "police");
        Assert.Equal(6_000, Number(all, "median_distance_m_settlements")!.Value, 0.15);
        Assert.Equal(45_000, Number(all, "p90_distance_m_settlements")!.Value, 0.15);
        // Urban 1, 3, 6, 12 → median 4.5 km, p90 at rank 2.7: 6 + 0.7 × 6 = 10.2 km; rural 4.5, 4.9995, 5.0005, 29, 40, 45, 48 → 29 km.
        var s = Summary(analysis, "police");
        Assert.Equal(4_500, Number(s.GetProperty("urban"), "median_distance_m_settlements")!.Value, 0.15);
        Assert.Equal(10_200, Number(s.GetProperty("urban"), "p90_distance_m_settlements")!.Value, 0.15);
        Assert.Equal(29_000, Number(s.GetProperty("rural"), "median_distance_m_settlements")!.Value, 0.15);
        Assert.Equal(Math.Round(29 / 4.5, 3), Number(s.GetProperty("rural_to_urban"), "median_distance_settlements"));
        // No site at all: no value.
        Assert.Null(Number(Group(analysis, "all", "all", "justice"), "median_distance_m_settlements"));
        // The exports carry both, named apart.
        var table = await Client.GetStringAsync(analysis.GetProperty("links").GetProperty("table").GetString());
        var header = table.Split('\n')[0].Split(',');
        Assert.Contains("median_distance_m", header);
        Assert.Contains("median_distance_m_settlements", header);
        Assert.Contains("p90_distance_m_settlements", header);
        var regions = await Client.GetStringAsync(analysis.GetProperty("links").GetProperty("regions").GetString());
        Assert.Contains("\"police_median_distance_m_settlements\":", regions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AreaServedAndEmptyCategories_CoverageByRegionAndParent_GapWhereNothingServes()
    {
        var analysis = await AnalyseAsync();

        var helpline = Group(analysis, "all", "all", "helpline");
        Assert.Equal(Math.Round(170_998 / Total, 4), Number(helpline, "covered_share"));
        Assert.Equal(Math.Round(170_998 / Total, 4), Number(helpline, "served_share"));
        Assert.Null(Number(helpline, "mean_distance_m"));
        Assert.True(Group(analysis, "TB", "all", "helpline").GetProperty("gap").GetBoolean());
        // Outside every area first, then no site at all, then the most populous; ties in row order.
        Assert.Equal(["Golf", "India", "Juliet"], Summary(analysis, "helpline").GetProperty("worst_served").EnumerateArray().Select(w => w.GetProperty("name").GetString()));
        // A service area of the parent region T covers every settlement of TA and TB.
        Assert.Equal(1.0, Number(Group(analysis, "all", "all", "online_reporting"), "covered_share"));
        var shelter = Group(analysis, "all", "all", "shelter");
        Assert.Equal(Math.Round(2_100 / Total, 4), Number(shelter, "covered_share"));
        Assert.Equal(0, Summary(analysis, "shelter").GetProperty("sites").GetInt32());
        var justice = Group(analysis, "all", "all", "justice");
        Assert.Null(Number(justice, "mean_distance_m"));
        Assert.Null(Number(justice, "median_distance_m"));
        Assert.Equal(0.0, Within(justice, 50));
        Assert.Equal(0.0, Number(justice, "served_share"));
        Assert.True(justice.GetProperty("gap").GetBoolean());
        Assert.Equal(0, justice.GetProperty("services").GetInt32());
        Assert.Equal(0.0, Number(justice, "services_per_100k"));
        Assert.Equal(0.0, Number(justice, "accessibility_per_100k"));
    }

    [Fact]
    public async Task TravelTime_IsALabelledEstimate_DistanceTimesDetourOverClassSpeed()
    {
        var analysis = await AnalyseAsync();

        var centres = Group(analysis, "all", "urban_centre", "police").GetProperty("travel_minutes");
        Assert.True(centres.GetProperty("estimate").GetBoolean());
        // Urban centres at 20 km/h with detour 1.3: Alpha 1 km → 3.9 min, Bravo 3 km → 11.7 min.
        Assert.Equal(Math.Round(((60_000 * 3.9) + (50_000 * 11.7)) / 110_000, 1), Number(centres, "mean")!.Value, 1);
        Assert.Equal(3.9, Number(centres, "median")!.Value, 1);
        var rules = analysis.GetProperty("results").GetProperty("rules").GetProperty("travel_time");
        Assert.True(rules.GetProperty("estimate").GetBoolean());
        Assert.Contains("not a network travel time", rules.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gaussian")]
    [InlineData("e2sfca")]
    public async Task TwoStepFca_WithDistanceDecay_MatchesTheFormula(string decay)
    {
        var analysis = await AnalyseAsync(new { dataset = Dataset, categories = new[] { "police" }, decay });

        // W(d) on the 30 km catchment; step 1 over the settlements within it, step 2 back to each settlement.
        double W(double km) => decay == "gaussian"
            ? (Math.Exp(-0.5 * Math.Pow(km / 30, 2)) - Math.Exp(-0.5)) / (1 - Math.Exp(-0.5))
            : km <= 10 ? 1 : km <= 20 ? 0.68 : 0.22;
        var p1 = new (long P, double Km)[] { (60_000, 1), (50_000, 3), (49_999, 6), (5_000, 12), (4_999, 29), (500, 4.9995), (500, 5.0005) };
        var r1 = 1 / p1.Sum(x => x.P * W(x.Km));
        var r2 = 1 / (100 * W(4.5));
        var sumPA = p1.Sum(x => x.P * r1 * W(x.Km)) + (100 * r2 * W(4.5));
        var m = Group(analysis, "all", "all", "police");
        Assert.Equal(sumPA / Total * 100_000, Number(m, "accessibility_per_100k")!.Value, 3);
        Assert.Equal(decay, analysis.GetProperty("results").GetProperty("rules").GetProperty("two_step_fca").GetProperty("decay").GetString());
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gaussian")]
    [InlineData("e2sfca")]
    public async Task TwoStepFca_OnAFineGrid_MatchesTheExactFigures(string decay)
    {
        // The grid mode (large datasets) on 100 m cells: every settlement and site in its own cell, measured on the sphere
        // instead of the ellipsoid (along this meridian at 40° S about 0.1 % shorter), so the figures agree with the exact mode's.
        var exact = await AnalyseAsync(new { dataset = Dataset, categories = new[] { "police" }, decay, fca_cell_km = 0 });
        var grid = await AnalyseAsync(new { dataset = Dataset, categories = new[] { "police" }, decay, fca_cell_km = 0.1 });

        foreach (var (region, cls) in new[] { ("all", "all"), ("all", "urban"), ("all", "rural"), ("TA", "all"), ("TB", "all") })
        {
            var a = Number(Group(exact, region, cls, "police"), "accessibility_per_100k")!.Value;
            var b = Number(Group(grid, region, cls, "police"), "accessibility_per_100k")!.Value;
            Assert.True(a > 0, $"{region}/{cls}");
            Assert.Equal(a, b, a * 0.003);
        }
        // Binary catchment: the same pairs as by hand, so the same figure (see Police_AllSettlements_EveryFigureAsWorkedOutByHand).
        if (decay == "none")
        {
            Assert.Equal(Math.Round(2 / Total * 100_000, 4), Number(Group(grid, "all", "all", "police"), "accessibility_per_100k"));
        }
        Assert.Equal(0.1, grid.GetProperty("results").GetProperty("rules").GetProperty("two_step_fca").GetProperty("cell_km").GetDouble());
    }

    [Fact]
    public async Task Thresholds_AtTheirEdges_IncludeExactlyTheSettlementsWithin()
    {
        var analysis = await AnalyseAsync(new { dataset = Dataset, categories = new[] { "police" }, thresholds_km = new[] { 4.9994, 4.9996, 5.0004, 5.0006 } });

        var tb = Group(analysis, "TB", "all", "police");

        // TB: Hotel 4.5 km (100), India 4 999.5 m (500), Juliet 5 000.5 m (500), Golf 40 km, Kilo 48 km (2,100 people).
        Assert.Equal(Math.Round(100 / 2_100.0, 4), Within(tb, 4.9994));
        Assert.Equal(Math.Round(600 / 2_100.0, 4), Within(tb, 4.9996));
        Assert.Equal(Math.Round(600 / 2_100.0, 4), Within(tb, 5.0004));
        Assert.Equal(Math.Round(1_100 / 2_100.0, 4), Within(tb, 5.0006));
    }

    [Fact]
    public async Task DatasetWithoutPopulation_CountsSettlements_AndSkipsPerPersonFigures()
    {
        var csv = $"name,lat,lng,region_code\nNear,{F(North(1))},{F(Lng0)},TA\nMiddle,{F(North(10))},{F(Lng0)},TA\nFar,{F(North(140))},{F(Lng0)},TB\n";
        var import = await ImportCsvAsync(Client, "no population", csv);
        Assert.Contains(import.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("No population", StringComparison.Ordinal));

        var analysis = await GapWorld.AnalyseAsync(Client, new { dataset = "no population", categories = new[] { "police" } });

        var m = Group(analysis, "all", "all", "police");
        Assert.Equal("settlements", analysis.GetProperty("results").GetProperty("totals").GetProperty("weighting").GetString());
        Assert.Equal(3, m.GetProperty("weight").GetDouble());
        Assert.False(m.TryGetProperty("population", out _));
        // Nearest police: 1 km (P1), 10 km (P1), 40 km (P2 at 100 km): mean 17 km, median 10 km (2 of 3 ≥ 1.5).
        Assert.Equal(17_000, Number(m, "mean_distance_m")!.Value, 0.15);
        Assert.Equal(10_000, Number(m, "median_distance_m")!.Value, 0.15);
        Assert.Equal(Math.Round(1 / 3.0, 4), Within(m, 5));
        Assert.Null(Number(m, "services_per_100k"));
        Assert.Null(Number(m, "accessibility_per_100k"));
        Assert.Equal(3, Group(analysis, "all", "unclassified", "police").GetProperty("settlements").GetInt32());
        Assert.Contains("no urban/rural comparison", Summary(analysis, "police").GetProperty("headline").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The headlines and the note on borders follow <c>language</c>, then <c>Accept-Language</c> (issue 16): one stored
    /// analysis read in each language. Police, urban mean 3.5 km (569,994 person-km ÷ 164,999), rural 29.1 km
    /// (235,421 ÷ 8,099), ratio 8.4; within 25 km rural 14% (1,100 ÷ 8,099), urban 100%. The test catalog labels police
    /// "police" in English and "police (es)" in Spanish (no Portuguese or French label: the English one).
    /// </summary>
    [Theory]
    [InlineData(null, null, "police: rural people live 8.4× as far from the nearest site as urban people (mean 29.1 km vs 3.5 km); 14% of rural vs 100% of urban people live within 25 km.", "Same country (default):")]
    [InlineData(null, "es-CR,es;q=0.9", "police (es): la población rural vive 8,4 veces más lejos del punto de atención más cercano que la urbana (distancia media: 29,1 km frente a 3,5 km); el 14 % de la población rural frente al 100 % de la urbana vive a 25 km o menos.", "Mismo país (por defecto):")]
    [InlineData(null, "pt-BR", "police: a população rural vive 8,4 vezes mais longe do ponto de atendimento mais próximo do que a urbana (distância média: 29,1 km contra 3,5 km); 14% da população rural contra 100% da urbana vive a até 25 km.", "Mesmo país (padrão):")]
    [InlineData("fr", "es", "police : la population rurale vit 8,4 fois plus loin de la structure la plus proche que la population urbaine (distance moyenne : 29,1 km contre 3,5 km) ; 14 % de la population rurale contre 100 % de la population urbaine vit à 25 km ou moins.", "Même pays (par défaut) :")]
    public async Task Headlines_AndTheNoteOnBorders_FollowTheResponseLanguage(string? language, string? acceptLanguage, string police, string borders)
    {
        var analysis = await AnalyseAsync();
        var id = analysis.GetProperty("id").GetString();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/gap_analyses/{id}{(language is null ? "" : $"?language={language}")}");
        if (acceptLanguage is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        }
        var response = await Client.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(police, Summary(body, "police").GetProperty("headline").GetString());
        Assert.StartsWith(borders, body.GetProperty("results").GetProperty("rules").GetProperty("borders").GetString(), StringComparison.Ordinal);
        // Figures, codes and labels stay as stored.
        Assert.Equal(Summary(analysis, "police").GetProperty("rural").GetProperty("mean_distance_m").GetDouble(),
            Summary(body, "police").GetProperty("rural").GetProperty("mean_distance_m").GetDouble());
        Assert.Equal("police", Summary(body, "police").GetProperty("label").GetString());
    }

    [Fact]
    public async Task Headlines_OfAnAreaServedCategory_AndAnUnknownLanguage()
    {
        var analysis = await AnalyseAsync();
        var id = analysis.GetProperty("id").GetString();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/gap_analyses/{id}");
        request.Headers.TryAddWithoutValidation("Accept-Language", "es");
        var spanish = JsonDocument.Parse(await (await Client.SendAsync(request)).Content.ReadAsStringAsync()).RootElement;
        var refused = await Client.GetAsync($"/api/gap_analyses/{id}?language=de");

        Assert.Equal("helpline (es): no hay ningún punto de atención presencial activo en el directorio; población atendida (a 25 km o menos, o dentro de un área de servicio): "
            + $"el {Math.Round(Number(Summary(analysis, "helpline").GetProperty("rural"), "served_share")!.Value * 100):0} % de la rural frente al "
            + $"{Math.Round(Number(Summary(analysis, "helpline").GetProperty("urban"), "served_share")!.Value * 100):0} % de la urbana.",
            Summary(spanish, "helpline").GetProperty("headline").GetString());
        Assert.StartsWith("helpline: no active in-person site in the directory; served (within 25 km or inside a service area): ",
            Summary(analysis, "helpline").GetProperty("headline").GetString(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("VALIDATION_FAILED", problem.GetProperty("code").GetString());
        Assert.Contains("'de' is not one of: en, es, pt, fr.", problem.GetProperty("errors").GetProperty("language")[0].GetString(), StringComparison.Ordinal);
    }
}
