using System.Net;
using System.Text.Json;
using GraphQL.Execution;
using Referral.Api.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.GraphQL;

/// <summary>The HTTP side of /graphql: GraphQL-over-HTTP status codes and media types, limits, and error codes.</summary>
public sealed class GraphQLEndpointTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string GraphQLResponse = "application/graphql-response+json";

    private static void AssertStatus(GraphQLResponse response, HttpStatusCode status) =>
        Assert.True(response.Http.StatusCode == status, $"Expected {(int)status}, got {(int)response.Http.StatusCode}: {response.Text}");

    [Fact]
    public async Task Post_Query_Returns200WithGraphQLResponseMediaType()
    {
        var response = await Client.PostGraphQLAsync("{ services { totalCount } }");

        AssertStatus(response, HttpStatusCode.OK);
        Assert.Equal(GraphQLResponse, response.Http.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, response.AssertData().GetProperty("services").GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Get_QueryWithVariables_Returns200()
    {
        var response = await Client.GetGraphQLAsync("query($n: Int) { services(first: $n) { totalCount } }", "{\"n\": 1}");

        AssertStatus(response, HttpStatusCode.OK);
        Assert.Equal(0, response.AssertData().GetProperty("services").GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Get_Mutation_Returns405WithAllowPost()
    {
        var response = await Client.GetGraphQLAsync("mutation { deleteService(id: \"00000000-0000-0000-0000-000000000001\") }");

        AssertStatus(response, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("POST", response.Http.Content.Headers.Allow);
        response.AssertError("METHOD_NOT_ALLOWED");
        Assert.False(response.Body.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task Post_MalformedJson_Returns400MalformedJson()
    {
        var response = await Client.PostRawAsync("{\"query\": ");

        AssertStatus(response, HttpStatusCode.BadRequest);
        response.AssertError("MALFORMED_JSON");
    }

    [Fact]
    public async Task Post_NotJson_Returns415()
    {
        var response = await Client.PostRawAsync("{ services { totalCount } }", "text/plain");

        AssertStatus(response, HttpStatusCode.UnsupportedMediaType);
        response.AssertError("UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task Post_BodyOverTheLimit_Returns413()
    {
        var padding = new string(' ', (int)GraphQLEndpoint.BodyLimit);

        var response = await Client.PostRawAsync($"{{\"query\": \"{{ services {{ totalCount }} }}{padding}\"}}");

        AssertStatus(response, HttpStatusCode.RequestEntityTooLarge);
        response.AssertError("PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Post_SyntaxError_Returns400WithReason()
    {
        var response = await Client.PostGraphQLAsync("{ services { ");

        AssertStatus(response, HttpStatusCode.BadRequest);
        var error = response.AssertError("BAD_REQUEST");
        Assert.Equal("SYNTAX_ERROR", error.GetProperty("extensions").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Post_BatchArray_Returns400()
    {
        var response = await Client.PostRawAsync("[{\"query\": \"{ services { totalCount } }\"}, {\"query\": \"{ services { totalCount } }\"}]");

        AssertStatus(response, HttpStatusCode.BadRequest);
        response.AssertError("BAD_REQUEST");
    }

    [Fact]
    public async Task Post_MissingQuery_Returns400()
    {
        var response = await Client.PostRawAsync("{}");

        AssertStatus(response, HttpStatusCode.BadRequest);
        Assert.Equal("QUERY_MISSING", response.AssertError("BAD_REQUEST").GetProperty("extensions").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Post_UnknownField_Returns400_ButLegacyJsonClientsGet200()
    {
        var modern = await Client.PostGraphQLAsync("{ nope }");
        var legacy = await Client.PostRawAsync("{\"query\": \"{ nope }\"}", accept: "application/json");

        AssertStatus(modern, HttpStatusCode.BadRequest);
        modern.AssertError("BAD_REQUEST");
        AssertStatus(legacy, HttpStatusCode.OK);
        Assert.Equal("application/json", legacy.Http.Content.Headers.ContentType?.MediaType);
        legacy.AssertError("BAD_REQUEST");
    }

    [Fact]
    public async Task Post_QueryDeeperThanTheLimit_Returns400Complexity()
    {
        // The schema has no cycles, so depth comes from introspection mixed into a data query (no exemption then).
        var response = await Client.PostGraphQLAsync(
            "{ services { totalCount } __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }");

        AssertStatus(response, HttpStatusCode.BadRequest);
        var error = response.AssertError("BAD_REQUEST");
        Assert.Equal("COMPLEXITY", error.GetProperty("extensions").GetProperty("reason").GetString());
        Assert.Contains($"maximum allowed on this endpoint is {GraphQLSetup.MaxDepth}", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_ManyAliasedCopiesOfALargeQuery_Returns400Complexity()
    {
        var copies = string.Join(" ", Enumerable.Range(0, 20).Select(i => $"s{i}: services(first: 100) {{ edges {{ node {{ {RestShape.ServiceFields} }} }} }}"));

        var response = await Client.PostGraphQLAsync($"{{ {copies} }}");

        AssertStatus(response, HttpStatusCode.BadRequest);
        Assert.Equal("COMPLEXITY", response.AssertError("BAD_REQUEST").GetProperty("extensions").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Post_EveryFieldOfAFullPage_IsWithinTheLimits()
    {
        var response = await Client.PostGraphQLAsync($"{{ services(first: 100) {{ totalCount pageInfo {{ endCursor }} edges {{ cursor node {{ etag locations {{ id }} taxonomyTerms {{ code }} {RestShape.ServiceFields} }} }} }} }}");

        response.AssertData();
    }

    [Fact]
    public async Task Post_GraphiQLIntrospectionQuery_IsAllowedDespiteTheDepthLimit()
    {
        var response = await Client.PostGraphQLAsync(IntrospectionQuery);

        var schema = response.AssertData().GetProperty("__schema");
        Assert.Equal("Query", schema.GetProperty("queryType").GetProperty("name").GetString());
        Assert.Contains(schema.GetProperty("types").EnumerateArray(), t => t.GetProperty("name").GetString() == "ServiceConnection");
    }

    [Fact]
    public async Task Get_FromABrowserWithoutQuery_RedirectsToGraphiQL()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/graphql");
        request.Headers.Accept.ParseAdd("text/html");
        using var client = Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/graphiql/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public void ErrorInfo_UnhandledException_IsMaskedAsInternalError()
    {
        var error = new UnhandledError("Error trying to resolve field 'services'.", new InvalidOperationException("Host=db;Password=secret"));

        var info = new ReferralErrorInfoProvider(exposeExceptionDetails: false).GetInfo(error);

        Assert.Equal("INTERNAL_ERROR", info.Extensions!["code"]);
        Assert.DoesNotContain("secret", info.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", JsonSerializer.Serialize(info.Extensions), StringComparison.Ordinal);
        Assert.DoesNotContain("INVALID_OPERATION", JsonSerializer.Serialize(info.Extensions), StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorInfo_OurCodes_PassThroughWithFields()
    {
        var error = GraphQLErrors.Validation(new Dictionary<string, string[]> { ["service_at_locations[0].location.address_1"] = ["is required."] });

        var info = new ReferralErrorInfoProvider(exposeExceptionDetails: false).GetInfo(error);

        Assert.Equal("VALIDATION_FAILED", info.Extensions!["code"]);
        var fields = Assert.IsAssignableFrom<IDictionary<string, string[]>>(info.Extensions["fields"]);
        Assert.Equal(["serviceAtLocations[0].location.address1"], fields.Keys);
    }

    /// <summary>The query GraphiQL sends (graphql-js getIntrospectionQuery, with descriptions).</summary>
    private const string IntrospectionQuery = """
        query IntrospectionQuery {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types { ...FullType }
            directives { name description locations args { ...InputValue } }
          }
        }
        fragment FullType on __Type {
          kind name description
          fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
          inputFields { ...InputValue }
          interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
        fragment TypeRef on __Type {
          kind name
          ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
        }
        """;
}
