using System.Net;
using System.Text.Json;
using Referral.Api.Infrastructure;
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

    /// <summary>
    /// Categories, statuses, genders, modes, audiences, platforms, visibility and verification are enums whose values are
    /// the REST vocabularies (one list in code); instants are DateTimeOffset and dates Date, so generated clients are typed.
    /// </summary>
    [Fact]
    public async Task Vocabularies_AreEnumsFromTheRestLists_AndInstantsAndDatesAreScalars()
    {
        var response = await Public.PostGraphQLAsync("""
            { category: __type(name: "Category") { kind enumValues { name } }
              status: __type(name: "ServiceStatus") { enumValues { name } }
              service: __type(name: "Service") { fields { name type { name ofType { name ofType { name ofType { name } } } } } }
              filter: __type(name: "ServiceFilterInput") { inputFields { name type { name ofType { name ofType { name } } } } }
              query: __type(name: "Query") { fields { name args { name type { name ofType { name ofType { name ofType { name } } } } } } } }
            """);

        var data = response.AssertData();
        Assert.Equal("ENUM", data.GetProperty("category").GetProperty("kind").GetString());
        Assert.Equal(Vocabulary.Categories.Select(c => c.ToUpperInvariant()).Order(StringComparer.Ordinal),
            data.GetProperty("category").GetProperty("enumValues").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        Assert.Contains("TEMPORARILY_CLOSED", data.GetProperty("status").GetProperty("enumValues").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        var service = Types(data.GetProperty("service").GetProperty("fields"));
        Assert.Equal("ServiceStatus", service["status"]);
        Assert.Equal("Category", service["categories"]);
        Assert.Equal("Gender", service["genders"]);
        Assert.Equal("DeliveryMode", service["deliveryModes"]);
        Assert.Equal("Audience", service["audience"]);
        Assert.Equal("Platform", service["platforms"]);
        Assert.Equal("VerificationStatus", service["verificationStatus"]);
        Assert.Equal("Date", service["assuredDate"]);
        var filter = Types(data.GetProperty("filter").GetProperty("inputFields"));
        Assert.Equal(("Category", "Gender", "DeliveryMode", "Audience", "DateTimeOffset"),
            (filter["categories"], filter["gender"], filter["mode"], filter["audience"], filter["at"]));
        var card = Types(data.GetProperty("query").GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "referralCard").GetProperty("args"));
        Assert.Equal(("Category", "Platform", "DateTimeOffset"), (card["needs"], card["platform"], card["at"]));
    }

    /// <summary>A value outside an enum, as a literal or in variables (REST's lower-case spelling included), is a 400 GraphQL error, never a 500.</summary>
    [Fact]
    public async Task EnumsAndScalars_RefuseWrongValues_WithAGraphQLErrorCode()
    {
        const string Nearest = "query($f: ServiceFilterInput) { nearestServices(near: {lat: 9.9, lng: -84.1}, filter: $f) { regionCodes } }";
        var literal = await Public.PostGraphQLAsync("{ nearestServices(near: {lat: 9.9, lng: -84.1}, filter: {categories: [SHELTERZ]}) { regionCodes } }");
        var restSpelling = await Public.PostGraphQLAsync(Nearest, new { f = new { categories = new[] { "shelter" } } });
        var badInstant = await Public.PostGraphQLAsync(Nearest, new { f = new { at = "tomorrow" } });
        var good = await Public.PostGraphQLAsync(Nearest, new { f = new { categories = new[] { "LEGAL_AID", "SHELTER" }, gender = "NON_BINARY", at = "2026-11-30T21:30:00-06:00" } });

        foreach (var bad in new[] { literal, restSpelling, badInstant })
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.Http.StatusCode);
            var error = bad.AssertError("BAD_REQUEST");
            Assert.False(string.IsNullOrEmpty(error.GetProperty("extensions").GetProperty("reason").GetString()), bad.Text);
        }
        Assert.Contains("SHELTERZ", literal.Body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(good.Http.StatusCode == HttpStatusCode.OK && !good.Body.TryGetProperty("errors", out _), good.Text);
    }

    /// <summary>Field name → the named type under any list/non-null wrappers.</summary>
    private static Dictionary<string, string?> Types(JsonElement fields) => fields.EnumerateArray().ToDictionary(
        f => f.GetProperty("name").GetString()!,
        f =>
        {
            var type = f.GetProperty("type");
            while (type.GetProperty("name").ValueKind == JsonValueKind.Null)
            {
                type = type.GetProperty("ofType");
            }
            return type.GetProperty("name").GetString();
        },
        StringComparer.Ordinal);
}
