using System.Text;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.GraphQL;

/// <summary>Security review, finding 5: a GraphQL request's cost is bounded, not just its count.</summary>
public sealed class GraphQLCostTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static string Aliased(int count, string field)
    {
        var sb = new StringBuilder("{ ");
        for (var i = 0; i < count; i++)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"n{i}: {field} ");
        }
        return sb.Append('}').ToString();
    }

    [Fact]
    public async Task ManyAliasedNearestServices_AreRefusedBeforeRunning()
    {
        const string nearest = "nearestServices(near: {lat: 9.9, lng: -84.1}) { results { distanceM } }";

        var ten = await Public.PostGraphQLAsync(Aliased(10, nearest));
        var eleven = await Public.PostGraphQLAsync(Aliased(11, nearest));
        var viaFragment = await Public.PostGraphQLAsync(
            "{ a: nearestServices(near: {lat: 9.9, lng: -84.1}) { ...R } " + Aliased(10, "referralCard(near: {lat: 9.9, lng: -84.1}) { notice }")[1..^1]
            + " } fragment R on NearestResult { results { distanceM } }");

        ten.AssertData();
        var error = eleven.AssertError("BAD_REQUEST");
        Assert.Equal("COST_BUDGET", error.GetProperty("extensions").GetProperty("reason").GetString());
        Assert.Contains("110 units", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("COST_BUDGET", viaFragment.AssertError("BAD_REQUEST").GetProperty("extensions").GetProperty("reason").GetString());
        Assert.False(eleven.Body.TryGetProperty("data", out var data) && data.ValueKind == System.Text.Json.JsonValueKind.Object);
    }

    [Fact]
    public async Task IntrospectionIsBudgeted_OneSchemaQueryStillRuns()
    {
        const string schema = "__schema { types { name fields { name type { name ofType { name } } } } }";

        var one = await Public.PostGraphQLAsync("{ " + schema + " }");
        var three = await Public.PostGraphQLAsync(Aliased(3, schema));

        Assert.True(one.AssertData().GetProperty("__schema").GetProperty("types").GetArrayLength() > 10);
        Assert.Equal("COST_BUDGET", three.AssertError("BAD_REQUEST").GetProperty("extensions").GetProperty("reason").GetString());
        Assert.True(three.Text.Length < 2_000, three.Text);
    }
}
