using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// Issue 12, items 12–13: the class a settlement file gives (village, hamlet, town) stays beside the derived urban/rural
/// class in the gap outputs (points export, worst-served lists), instead of being lost after mapping.
/// </summary>
public sealed class GapSourceClassTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task GapOutputs_KeepTheSourceClassBesideTheDerivedOne()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "Police", "police", 0);
        await ImportCsvAsync(Client, "classes", "name,lat,lng,population,settlement_class\n"
            + $"Aldea,{F(North(30))},{F(Lng0)},300,village\n"
            + $"Caserío,{F(North(40))},{F(Lng0)},40,hamlet\n"
            + $"Ciudad,{F(North(2))},{F(Lng0)},90000,city\n"
            + $"Sin clase,{F(North(10))},{F(Lng0)},5000,\n");

        var analysis = await AnalyseAsync(Client, new { dataset = "classes", categories = new[] { "police" } });
        var points = await PointsAsync(Client, analysis);

        Assert.Equal(("rural", "village"), (points["Aldea"].GetProperty("settlement_class").GetString(), points["Aldea"].GetProperty("source_class").GetString()));
        Assert.Equal(("rural", "hamlet"), (points["Caserío"].GetProperty("settlement_class").GetString(), points["Caserío"].GetProperty("source_class").GetString()));
        Assert.Equal("city", points["Ciudad"].GetProperty("source_class").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, points["Sin clase"].GetProperty("source_class").ValueKind);
        var worst = Summary(analysis, "police").GetProperty("worst_served")[0];
        Assert.Equal(("Caserío", "hamlet"), (worst.GetProperty("name").GetString(), worst.GetProperty("source_class").GetString()));
    }
}
