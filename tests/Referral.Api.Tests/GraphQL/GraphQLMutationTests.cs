using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.GraphQL;
using Referral.Api.Infrastructure;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.GraphQL;

/// <summary>Mutations call the same writers as REST, so they validate and fail the same way.</summary>
public sealed class GraphQLMutationTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string CreateService = $"mutation($input: ServiceInput!) {{ createService(input: $input) {{ etag {RestShape.ServiceFields} }} }}";
    private const string UpdateService = "mutation($id: ID!, $input: ServiceInput!, $ifMatch: String) { updateService(id: $id, input: $input, ifMatch: $ifMatch) { etag name phones { number } } }";
    private const string DeleteService = "mutation($id: ID!, $ifMatch: String) { deleteService(id: $id, ifMatch: $ifMatch) }";

    /// <summary>The GraphQL input for a REST document: the same fields, camelCase, vocabulary values as enums (GraphQL takes GeoJSON extents as strings).</summary>
    internal static JsonNode Input(JsonNode rest) => rest switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create<string, JsonNode?>(Camel(p.Key),
            p.Key == "extent" && p.Value is JsonObject ? JsonValue.Create(p.Value.ToJsonString())
            : RestShape.EnumKeys.Contains(p.Key) ? RestShape.ToGraphQLValue(p.Key, p.Value)
            : Input(p.Value!)))),
        JsonArray a => new JsonArray([.. a.Select(x => Input(x!))]),
        _ => rest.DeepClone(),
    };

    private static string Camel(string snake)
    {
        var parts = snake.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }

    [Fact]
    public async Task CreateService_ValidInput_ReturnsTheDocumentRestReadsBack()
    {
        var org = await TestData.CreateOrganizationAsync(Client);

        var response = await Client.PostGraphQLAsync(CreateService, new { input = Input(GraphQLQueryTests.RichService(org)) });

        var created = response.AssertData().GetProperty("createService");
        var id = created.GetProperty("id").GetString();
        var rest = await Client.GetAsync($"/api/services/{id}");
        RestShape.AssertEqual(JsonNode.Parse(await rest.Content.ReadAsStringAsync()), RestShape.FromGraphQL(created, "etag"));
        Assert.Equal(rest.Headers.ETag!.ToString(), created.GetProperty("etag").GetString());
    }

    [Fact]
    public async Task CreateService_InvalidInput_ReturnsValidationFailedWithTheSameFieldsAsRest()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var doc = TestData.Service(org);
        doc.Remove("name");
        doc["phones"]![0]!["number"] = "call us";
        doc["service_at_locations"]![0]!["location"]!["latitude"] = 123.0;
        doc["categories"] = new JsonArray("unknown");
        var rest = await Problem.AssertAsync(await Client.PostAsJsonAsync("/api/services", doc), System.Net.HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        // GraphQL's Category enum refuses the unknown category before the writer runs (GraphQLContractTests.EnumsAndScalars_RefuseWrongValues_WithAGraphQLErrorCode).
        doc.Remove("categories");

        var response = await Client.PostGraphQLAsync(CreateService, new { input = Input(doc) });

        var error = response.AssertError("VALIDATION_FAILED");
        var fields = error.GetProperty("extensions").GetProperty("fields");
        Assert.Contains("categories[0]", Problem.Fields(rest));
        Assert.Equal(
            Problem.Fields(rest).Where(f => !f.StartsWith("categories", StringComparison.Ordinal)).Select(GraphQLErrors.FieldPath).Order(StringComparer.Ordinal),
            fields.EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Contains("name", fields.EnumerateObject().Select(f => f.Name));
        Assert.Contains("phones[0].number", fields.EnumerateObject().Select(f => f.Name));
        Assert.Contains("serviceAtLocations[0].location.latitude", fields.EnumerateObject().Select(f => f.Name));
        // The documented rule (README, GraphQL): no payload type; a top-level error at the mutation's path, data null.
        Assert.Equal("createService", error.GetProperty("path")[0].GetString());
        Assert.Equal(JsonValueKind.Null, response.Data.GetProperty("createService").ValueKind);
        Assert.Equal(0, await Factory.WithDbAsync(db => db.Services.CountAsync()));
    }

    [Fact]
    public async Task UpdateService_WithIfMatch_OnlyWritesTheCurrentVersion()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = (await Client.PostGraphQLAsync(CreateService, new { input = Input(TestData.Service(org)) })).AssertData().GetProperty("createService");
        var id = created.GetProperty("id").GetString();
        var etag = created.GetProperty("etag").GetString();
        var changed = Input(TestData.Service(org, "Renamed"));

        var ok = await Client.PostGraphQLAsync(UpdateService, new { id, input = changed, ifMatch = etag });
        var stale = await Client.PostGraphQLAsync(UpdateService, new { id, input = Input(TestData.Service(org, "Lost update")), ifMatch = etag });

        var updated = ok.AssertData().GetProperty("updateService");
        Assert.Equal("Renamed", updated.GetProperty("name").GetString());
        Assert.NotEqual(etag, updated.GetProperty("etag").GetString());
        stale.AssertError("PRECONDITION_FAILED");
        Assert.Equal("Renamed", (await Client.GetFromJsonAsync<JsonElement>($"/api/services/{id}")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task UpdateService_UnknownId_ReturnsNotFoundAndCreatesNothing()
    {
        var org = await TestData.CreateOrganizationAsync(Client);

        var response = await Client.PostGraphQLAsync(UpdateService, new { id = Guid.NewGuid(), input = Input(TestData.Service(org)) });

        response.AssertError("NOT_FOUND");
        Assert.Equal(0, await Factory.WithDbAsync(db => db.Services.CountAsync()));
    }

    [Fact]
    public async Task DeleteService_WithStaleThenCurrentIfMatch_FailsThenDeletes()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org));
        var id = created.GetProperty("id").GetString();
        var etag = (await Client.GetAsync($"/api/services/{id}")).Headers.ETag!.ToString();

        var stale = await Client.PostGraphQLAsync(DeleteService, new { id, ifMatch = "W/\"1\"" });
        var deleted = await Client.PostGraphQLAsync(DeleteService, new { id, ifMatch = etag });
        var again = await Client.PostGraphQLAsync(DeleteService, new { id });

        stale.AssertError("PRECONDITION_FAILED");
        Assert.Equal(id, deleted.AssertData().GetProperty("deleteService").GetString());
        again.AssertError("NOT_FOUND");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await Client.GetAsync($"/api/services/{id}")).StatusCode);
    }

    [Fact]
    public async Task Organizations_CreateUpdateDelete_FollowTheRestRules()
    {
        var create = await Client.PostGraphQLAsync(
            "mutation($input: OrganizationInput!) { createOrganization(input: $input) { id name etag } }",
            new { input = new { name = "Fundación", description = "Made by GraphQL" } });
        var org = create.AssertData().GetProperty("createOrganization");
        var id = org.GetProperty("id").GetString();
        await TestData.CreateServiceAsync(Client, TestData.Service(Guid.Parse(id!)));

        var duplicate = await Client.PostGraphQLAsync(
            "mutation($input: OrganizationInput!) { createOrganization(input: $input) { id } }", new { input = new { id, name = "Again" } });
        var invalid = await Client.PostGraphQLAsync(
            "mutation($id: ID!, $input: OrganizationInput!) { updateOrganization(id: $id, input: $input) { name } }",
            new { id, input = new { name = "", website = "not a url", yearIncorporated = 1500 } });
        var update = await Client.PostGraphQLAsync(
            "mutation($id: ID!, $input: OrganizationInput!, $ifMatch: String) { updateOrganization(id: $id, input: $input, ifMatch: $ifMatch) { name } }",
            new { id, input = new { name = "Fundación renamed" }, ifMatch = org.GetProperty("etag").GetString() });
        var inUse = await Client.PostGraphQLAsync("mutation($id: ID!) { deleteOrganization(id: $id) }", new { id });

        duplicate.AssertError("CONFLICT");
        var fields = invalid.AssertError("VALIDATION_FAILED").GetProperty("extensions").GetProperty("fields");
        Assert.Equal(["name", "website", "yearIncorporated"], fields.EnumerateObject().Select(f => f.Name));
        Assert.Equal("Fundación renamed", update.AssertData().GetProperty("updateOrganization").GetProperty("name").GetString());
        inUse.AssertError("IN_USE");
    }

    [Fact]
    public async Task Mutations_InOneRequest_AFailedWriteLeavesNothingForTheNextToSave()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var id = (await TestData.CreateServiceAsync(Client, TestData.Service(org, "Original"))).GetProperty("id").GetString();
        var invalid = TestData.Service(org, "Changed by an invalid write");
        invalid["phones"]![0]!["number"] = "not a number";

        var response = await Client.PostGraphQLAsync(
            """
            mutation($id: ID!, $bad: ServiceInput!, $org: ID!) {
              a: updateService(id: $id, input: $bad) { name }
              b: updateOrganization(id: $org, input: { name: "Renamed organization" }) { name }
            }
            """,
            new { id, bad = Input(invalid), org });

        Assert.Equal("VALIDATION_FAILED", response.Errors.Single().GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal("Renamed organization", response.Data.GetProperty("b").GetProperty("name").GetString());
        Assert.Equal("Original", (await Client.GetFromJsonAsync<JsonElement>($"/api/services/{id}")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Mutations_WhenTheWritePolicyDenies_AreRefusedLikeRestWrites()
    {
        using var closed = Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
            s.Configure<AuthorizationOptions>(o => o.AddPolicy(Authorization.WritePolicy, p => p.RequireAuthenticatedUser()))));
        using var client = closed.CreateClient();

        var graphQL = await client.PostGraphQLAsync(
            "mutation { createOrganization(input: { name: \"Nope\" }) { id } }");
        var rest = await client.PostAsJsonAsync("/api/organizations", TestData.Organization("Nope"));

        graphQL.AssertError("UNAUTHORIZED");
        Assert.False(rest.IsSuccessStatusCode);
        Assert.Equal(0, await Factory.WithDbAsync(db => db.Organizations.CountAsync()));
    }
}
