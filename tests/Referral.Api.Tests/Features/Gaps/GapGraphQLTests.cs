using System.Security.Claims;
using System.Text.Json;
using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.Features.Gaps;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// The GraphQL fields of gap analysis (<see cref="GapGraphFields"/>) on a schema of their own, so they are checked whether or
/// not the root types include them yet: same shapes as REST, same validation, same write policy.
/// </summary>
public sealed class GapGraphQLTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static readonly ClaimsPrincipal Admin = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "graphql-test"), new Claim(ClaimTypes.Role, "admin")], "test"));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var org = await TestData.CreateOrganizationAsync(Client);
        await ServiceAsync(Client, org, "Police", "police", 0);
        await ImportCsvAsync(Client, "graph towns", $"name,lat,lng,population\nCity,{F(North(2))},{F(Lng0)},90000\nVillage,{F(North(40))},{F(Lng0)},900\n");
    }

    private async Task<JsonElement> ExecuteAsync(string query, ClaimsPrincipal? user = null)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var root = new ObjectGraphType { Name = "Query" };
        GapGraphFields.AddQueries(root);
        var mutation = new ObjectGraphType { Name = "Mutation" };
        GapGraphFields.AddMutations(mutation);
        using var schema = new Schema(sp) { Query = root, Mutation = mutation };
        var result = await sp.GetRequiredService<IDocumentExecuter>().ExecuteAsync(o =>
        {
            o.Schema = schema;
            o.Query = query;
            o.RequestServices = sp;
            o.User = user ?? new ClaimsPrincipal(new ClaimsIdentity());
        });
        return JsonDocument.Parse(sp.GetRequiredService<IGraphQLTextSerializer>().Serialize(result)).RootElement;
    }

    [Fact]
    public async Task StartGapAnalysis_ThenQueryIt_SameFiguresAsRest()
    {
        var started = await ExecuteAsync("""
            mutation { startGapAnalysis(input: { dataset: "graph towns", categories: [POLICE], thresholdsKm: [5, 50] }) {
              id status progressPercent dataset { name }
              results { summary { category urban { meanDistanceM } rural { meanDistanceM } ruralToUrban { meanDistance } headline }
                        groups(regionCode: "all", settlementClass: "all") { category metrics { population within { km share } gap } } } } }
            """, Admin);
        var rest = await AnalyseAsync(Client, new { dataset = "graph towns", categories = new[] { "police" }, thresholds_km = new[] { 5, 50 } });

        var analysis = started.GetProperty("data").GetProperty("startGapAnalysis");
        Assert.Equal("SUCCEEDED", analysis.GetProperty("status").GetString());
        Assert.Equal(rest.GetProperty("id").GetGuid(), analysis.GetProperty("id").GetGuid());
        var summary = analysis.GetProperty("results").GetProperty("summary")[0];
        Assert.Equal(2000, summary.GetProperty("urban").GetProperty("meanDistanceM").GetDouble(), 0.15);
        Assert.Equal(40_000, summary.GetProperty("rural").GetProperty("meanDistanceM").GetDouble(), 0.15);
        Assert.Equal(20, summary.GetProperty("ruralToUrban").GetProperty("meanDistance").GetDouble(), 3);
        var group = analysis.GetProperty("results").GetProperty("groups")[0].GetProperty("metrics");
        Assert.Equal(90_900, group.GetProperty("population").GetDouble());
        Assert.Equal(Math.Round(90_000 / 90_900.0, 4), group.GetProperty("within")[0].GetProperty("share").GetDouble());

        var read = await ExecuteAsync($$"""{ gapAnalysis(id: "{{rest.GetProperty("id").GetGuid()}}") { status options { categories thresholdsKm } links { points } } gapAnalyses(first: 5) { totalCount edges { node { id } } } demandDatasets { name settlements } }""");
        var data = read.GetProperty("data");
        Assert.Equal("SUCCEEDED", data.GetProperty("gapAnalysis").GetProperty("status").GetString());
        Assert.EndsWith("/points.geojson", data.GetProperty("gapAnalysis").GetProperty("links").GetProperty("points").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, data.GetProperty("gapAnalyses").GetProperty("totalCount").GetInt32());
        Assert.Equal(2, data.GetProperty("demandDatasets")[0].GetProperty("settlements").GetInt32());
    }

    [Fact]
    public async Task StartGapAnalysis_Invalid_IsValidationFailed_AndAnonymousIsUnauthorized()
    {
        var invalid = await ExecuteAsync("""mutation { startGapAnalysis(input: { dataset: "graph towns", targetShare: 2 }) { id } }""", Admin);
        var unknownCategory = await ExecuteAsync("""mutation { startGapAnalysis(input: { dataset: "graph towns", categories: [ASTROLOGY] }) { id } }""", Admin);
        var anonymous = await ExecuteAsync("""mutation { startGapAnalysis(input: { dataset: "graph towns" }) { id } }""");
        var missing = await ExecuteAsync($$"""{ gapAnalysis(id: "{{Guid.NewGuid()}}") { id } }""");

        Assert.Equal("VALIDATION_FAILED", invalid.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.True(invalid.GetProperty("errors")[0].GetProperty("extensions").GetProperty("fields").TryGetProperty("targetShare", out _), invalid.ToString());
        Assert.Equal("BAD_REQUEST", unknownCategory.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal("UNAUTHORIZED", anonymous.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal("NOT_FOUND", missing.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }
}
