using System.Net;
using System.Text.Json;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Contracts;

/// <summary>The GraphQL schema as an integrator's tools meet it: graphql-schema-linter and introspection.</summary>
public sealed class GraphQLContractTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task GraphQLSchemaLinter_DefaultRules_ReportNoProblems()
    {
        using var dir = new NodeTools.TempFolder();
        await File.WriteAllTextAsync(dir.File("schema.graphql"), SchemaSnapshotTests.PrintSchema());

        var (exit, output) = await NodeTools.RunAsync("graphql-schema-linter", dir.Path, "--format", "json", "schema.graphql");

        var json = output[output.IndexOf('{', StringComparison.Ordinal)..];
        var errors = JsonDocument.Parse(json[..(json.LastIndexOf('}') + 1)]).RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => $"{e.GetProperty("rule").GetString()}: {e.GetProperty("message").GetString()}").ToList();
        Assert.True(errors.Count == 0 && exit == 0, $"{errors.Count} problems:\n{string.Join('\n', errors.Take(30))}");
    }

    /// <summary>GraphiQL and codegen tools send inputValueDeprecation: args(includeDeprecated: true) and inputFields(includeDeprecated: true).</summary>
    [Fact]
    public async Task Introspection_WithInputValueDeprecation_Works()
    {
        var response = await Public.PostGraphQLAsync("""
            { __schema { queryType { name description fields { name args(includeDeprecated: true) { name description isDeprecated deprecationReason } } } }
              __type(name: "ServiceFilterInput") { inputFields(includeDeprecated: true) { name isDeprecated } } }
            """);

        Assert.True(response.Http.StatusCode == HttpStatusCode.OK && !response.Body.TryGetProperty("errors", out _), response.Text);
        var query = response.Body.GetProperty("data").GetProperty("__schema").GetProperty("queryType");
        Assert.False(string.IsNullOrEmpty(query.GetProperty("description").GetString()));
        var nearest = query.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "nearestServices");
        Assert.All(nearest.GetProperty("args").EnumerateArray(), a => Assert.False(string.IsNullOrEmpty(a.GetProperty("description").GetString())));
    }
}
