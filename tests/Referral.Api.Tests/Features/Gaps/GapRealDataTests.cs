using System.Text.Json;
using Referral.Api.Features.Regions;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// What real directories and settlement files broke (issue 12): helpline coverage by region code only, region codes in
/// other schemes, coastal towns outside a coarse outline, every country of the directory listed, and borders.
/// </summary>
public sealed class GapRealDataTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    /// <summary>A region without an outline (provinces the directory knows only by code).</summary>
    private Task AddCodeOnlyRegionAsync(string code, int level, string? parent) => Factory.WithDbAsync(async db =>
    {
        db.Regions.Add(new Region { Id = Guid.NewGuid(), Code = code, Name = code, Level = level, ParentCode = parent });
        await db.SaveChangesAsync();
    });

    private static async Task<Dictionary<string, JsonElement>> AnalysePointsAsync(HttpClient client, string dataset, string category, object? extra = null)
    {
        var request = new Dictionary<string, object?> { ["dataset"] = dataset, ["categories"] = new[] { category } };
        if (extra is not null)
        {
            foreach (var p in extra.GetType().GetProperties())
            {
                request[p.Name] = p.GetValue(extra);
            }
        }
        return await PointsAsync(client, await GapWorld.AnalyseAsync(client, request));
    }

    [Fact]
    public async Task Coverage_NationalHelpline_CoversSanJoseWhateverTheCodeScheme()
    {
        // Costa Rica as a square around San José; San José province known by code only (as the seed's provinces).
        await TestData.AddRegionAsync(Factory, "CR", 9.9, -84.1, 1.5, level: 0);
        await AddCodeOnlyRegionAsync("CR-SJ", 1, "CR");
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "National helpline", "helpline", null, areaCodes: ["CR"], modes: ["phone"]);
        await ImportCsvAsync(Client, "san jose", """
            name,lat,lng,population,region_code
            GeoNames key,9.93,-84.08,1000,CR.08
            ISO 3166-2,9.94,-84.07,1000,CR-SJ
            No code,9.95,-84.06,1000,
            Unknown code,9.96,-84.05,1000,PE.16
            """);

        var points = await AnalysePointsAsync(Client, "san jose", "helpline");

        Assert.True(points["GeoNames key"].GetProperty("helpline_covered").GetBoolean());
        Assert.True(points["ISO 3166-2"].GetProperty("helpline_covered").GetBoolean());
        Assert.True(points["No code"].GetProperty("helpline_covered").GetBoolean());
        Assert.True(points["Unknown code"].GetProperty("helpline_covered").GetBoolean());
        // The GeoNames key is grouped with its ISO 3166-2 twin, not as a region of its own.
        Assert.Equal("CR-SJ", points["GeoNames key"].GetProperty("region_code").GetString());
    }

    [Fact]
    public async Task Coverage_CoastalTownJustOutsideTheOutline_AndAnAlpha3Code_AreCovered()
    {
        await TestData.AddRegionAsync(Factory, "CR", 10, -84, 1.5, level: 0);
        await TestData.AddRegionAsync(Factory, "KE", 0, 38, 3, level: 0);
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "Helpline CR", "helpline", null, areaCodes: ["CR"], modes: ["phone"]);
        await ServiceAsync(Client, org, "Helpline KE", "helpline", null, areaCodes: ["KE"], modes: ["phone"]);
        // 8.49° is about 1.1 km south of the square's coast at 8.5°; 8.40° about 11 km (beyond the 5 km tolerance).
        await ImportCsvAsync(Client, "coast", """
            name,lat,lng,population,region_code
            Coastal,8.49,-84,1000,
            Offshore,8.40,-84,1000,
            Alpha3,-10,60,1000,KEN
            """);

        var points = await AnalysePointsAsync(Client, "coast", "helpline");

        Assert.True(points["Coastal"].GetProperty("helpline_covered").GetBoolean());
        Assert.Equal("CR", points["Coastal"].GetProperty("region_code").GetString());
        Assert.False(points["Offshore"].GetProperty("helpline_covered").GetBoolean());
        Assert.True(points["Alpha3"].GetProperty("helpline_covered").GetBoolean());
        Assert.Equal("KE", points["Alpha3"].GetProperty("region_code").GetString());
    }

    [Fact]
    public async Task Regions_OnlyThoseWithSettlements_AreListed_NotEveryCountryOfTheDirectory()
    {
        await TestData.AddRegionAsync(Factory, "CR", 10, -84, 1.5, level: 0);
        await TestData.AddRegionAsync(Factory, "PA", 8.5, -80, 1, level: 0);
        await TestData.AddRegionAsync(Factory, "KE", 0, 38, 3, level: 0);
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "Police", "police", null, lat: 10, lng: -84);
        await ImportCsvAsync(Client, "cr only", "name,lat,lng,population\nA,10.1,-84.1,100\nB,9.9,-83.9,200\n");

        var analysis = await GapWorld.AnalyseAsync(Client, new { dataset = "cr only", categories = new[] { "police" } });

        var regions = analysis.GetProperty("results").GetProperty("groups").EnumerateArray()
            .Select(g => g.GetProperty("region_code").GetString()).Distinct().ToList();
        Assert.Equal(["all", "CR"], regions);
        Assert.Equal(1, analysis.GetProperty("results").GetProperty("totals").GetProperty("regions").GetInt32());
    }

    [Fact]
    public async Task SameCountry_BorderTown_IsMeasuredToItsOwnCountry_UnlessAnyCountry()
    {
        // Uganda west of 34°E, Kenya east of it; a Kenyan border town with a Ugandan site 5.6 km west and a Kenyan one 52 km east.
        await TestData.AddRegionAsync(Factory, "UG", 1, 31.75, 2.25, level: 0);
        await TestData.AddRegionAsync(Factory, "KE", 0, 37.5, 3.5, level: 0);
        var org = await TestData.CreateOrganizationAsync(Client);
        await CreateInCountryAsync(org, "Police UG", 0.45, 33.98, "UG");
        await CreateInCountryAsync(org, "Police KE", 0.45, 34.50, "KE");
        await ImportCsvAsync(Client, "border", "name,lat,lng,population\nBusia KE,0.45,34.03,60000\n");

        var home = await AnalysePointsAsync(Client, "border", "police");
        var anywhere = await AnalysePointsAsync(Client, "border", "police", new { same_country = false });

        Assert.Equal(Geodesic.DistanceM(0.45, 34.03, 0.45, 34.50), home["Busia KE"].GetProperty("police_distance_m").GetDouble(), 1);
        Assert.Equal(Geodesic.DistanceM(0.45, 34.03, 0.45, 33.98), anywhere["Busia KE"].GetProperty("police_distance_m").GetDouble(), 1);
    }

    [Fact]
    public async Task SameCountry_IsTheDefault_AndTheRulesSaySo()
    {
        await ImportCsvAsync(Client, "rules", "name,lat,lng,population\nA,10.1,-84.1,100\n");

        var analysis = await GapWorld.AnalyseAsync(Client, new { dataset = "rules", categories = new[] { "police" } });

        Assert.True(analysis.GetProperty("options").GetProperty("same_country").GetBoolean());
        var rules = analysis.GetProperty("results").GetProperty("rules");
        Assert.StartsWith("Same country (default)", rules.GetProperty("borders").GetString(), StringComparison.Ordinal);
        Assert.Contains("mean of the two middle values", rules.GetProperty("percentiles").GetString(), StringComparison.Ordinal);
        Assert.Contains("CR.08 → CR-SJ", rules.GetProperty("region").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemandImport_ReportsMappedAndUnknownRegionCodes_WithCountsAndExamples()
    {
        await TestData.AddRegionAsync(Factory, "CR", 10, -84, 1.5, level: 0);
        await AddCodeOnlyRegionAsync("CR-SJ", 1, "CR");

        var report = await ImportCsvAsync(Client, "codes", """
            name,lat,lng,population,region_code
            A,9.93,-84.08,10,CR.08
            B,9.93,-84.08,10,CR-SJ
            C,9.93,-84.08,10,PE.16
            D,9.93,-84.08,10,PE.16
            E,9.93,-84.08,10,CRI
            """);

        var codes = report.GetProperty("region_codes");
        Assert.Equal(1, codes.GetProperty("known").GetInt32());
        Assert.Equal(2, codes.GetProperty("mapped").GetInt32());
        Assert.Equal(2, codes.GetProperty("unknown").GetInt32());
        Assert.Equal(["PE.16"], codes.GetProperty("unknown_examples").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(report.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("2 region codes match no region", StringComparison.Ordinal));
    }

    private async Task CreateInCountryAsync(Guid org, string name, double lat, double lng, string country)
    {
        var doc = TestData.Service(org, name, lat, lng, "police");
        doc["service_at_locations"]![0]!["location"]!["addresses"]![0]!["country"] = country;
        await TestData.CreateServiceAsync(Client, doc);
    }
}

/// <summary>Region codes in the schemes settlement files use, read as the directory's (pure).</summary>
public sealed class RegionCodesTests
{
    private static readonly RegionCodes Directory = new(["CR", "CR-SJ", "KE", "TA"]);

    [Theory]
    [InlineData("CR", "CR")]
    [InlineData("cr-sj", "CR-SJ")]
    [InlineData("CR_SJ", "CR-SJ")]
    [InlineData("CR.08", "CR-SJ")]
    [InlineData("KEN", "KE")]
    [InlineData("CRI", "CR")]
    [InlineData("TA", "TA")]
    [InlineData("PE.16", null)]
    [InlineData("UGA", null)]
    [InlineData("", null)]
    public void Resolve_CommonSchemes_ToTheDirectorysCode(string raw, string? expected) => Assert.Equal(expected, Directory.Resolve(raw));

    [Fact]
    public void Check_CountsEveryRow_WithAFewExamples()
    {
        var report = Directory.Check(["CR", "CR.08", "CR.08", "KEN", "XX", null, "YY"]);

        Assert.Equal((1, 3, 2), (report.Known, report.Mapped, report.Unknown));
        Assert.Equal(["CR.08 → CR-SJ", "KEN → KE"], report.MappedExamples);
        Assert.Equal(["XX", "YY"], report.UnknownExamples);
    }
}
