using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.Features.Access;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Access;

/// <summary>
/// Who may write: every write route and every mutation, against every role (planners only the planning routes); API keys;
/// editors bound to their organization.
/// </summary>
public sealed class AccessTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // Writes the public may make on purpose: feedback (rate limited) and GraphQL queries over POST.
    private static readonly string[] AnonymousWrites = ["/api/services/{id:guid}/feedback", "/graphql"];

    private static List<(string Method, string Route)> WriteRoutes(IServiceProvider services) =>
        [.. services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => m is "POST" or "PUT" or "PATCH" or "DELETE")
                .Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Where(r => !AnonymousWrites.Contains(r.Item2))
            .Distinct()];

    private async Task<HttpClient> ClientForAsync(string role, Guid? org = null) =>
        Factory.CreateClient(await Factory.CreateKeyAsync($"{role}-{Guid.NewGuid():N}", role, org));

    private static HttpRequestMessage Request(string method, string route) =>
        new(new HttpMethod(method), route.Replace("{id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };

    [Fact]
    public async Task EveryWriteRoute_AnonymousGets401_CaseworkerGets403()
    {
        var routes = WriteRoutes(Factory.Services);
        var caseworker = await ClientForAsync(Roles.Caseworker);

        Assert.Contains(("POST", "/api/services/"), routes);
        Assert.Contains(("DELETE", "/api/organizations/{id:guid}"), routes);
        foreach (var (method, route) in routes)
        {
            await Problem.AssertAsync(await Public.SendAsync(Request(method, route)), HttpStatusCode.Unauthorized, "UNAUTHORIZED");
            await Problem.AssertAsync(await caseworker.SendAsync(Request(method, route)), HttpStatusCode.Forbidden, "FORBIDDEN");
        }
    }

    [Fact]
    public async Task EveryWriteRoute_WrongOrInvalidKey_Gets401()
    {
        using var forged = Factory.CreateClient("rfk_this-is-not-a-real-key-000000000");

        foreach (var (method, route) in WriteRoutes(Factory.Services))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await forged.SendAsync(Request(method, route))).StatusCode);
        }
    }

    [Fact]
    public async Task EveryMutation_AnonymousUnauthorized_CaseworkerForbidden()
    {
        var caseworker = await ClientForAsync(Roles.Caseworker);
        var schema = (await Client.PostGraphQLAsync(
            "{ __schema { mutationType { fields { name args { name type { kind name ofType { kind name ofType { kind name } } } } } } } }")).AssertData();
        var mutations = schema.GetProperty("__schema").GetProperty("mutationType").GetProperty("fields").EnumerateArray().ToList();
        Assert.NotEmpty(mutations);

        foreach (var mutation in mutations)
        {
            var name = mutation.GetProperty("name").GetString()!;
            var args = string.Join(", ", await Task.WhenAll(mutation.GetProperty("args").EnumerateArray()
                .Where(a => a.GetProperty("type").GetProperty("kind").GetString() == "NON_NULL")
                .Select(async a => $"{a.GetProperty("name").GetString()}: {await ValueAsync(a.GetProperty("type"))}")));
            var document = $"mutation {{ {name}{(args.Length > 0 ? $"({args})" : "")} {await SelectionAsync(name)} }}";

            var anonymous = await Public.PostGraphQLAsync(document);
            var forbidden = await caseworker.PostGraphQLAsync(document);

            Assert.True(Codes(anonymous).Contains("UNAUTHORIZED"), $"{name} as anonymous: {anonymous.Text}");
            Assert.True(Codes(forbidden).Contains("FORBIDDEN"), $"{name} as caseworker: {forbidden.Text}");
        }
    }

    // Planning data of one's own: demand datasets and gap analyses (planners, editors, admins).
    // Placements are owner-scoped like gap analyses: planners start them and delete their own.
    private static bool IsPlanningRoute(string method, string route) =>
        route.StartsWith("/api/demand_datasets", StringComparison.Ordinal) || route.StartsWith("/api/gap_analyses", StringComparison.Ordinal)
        || route.StartsWith("/api/placements", StringComparison.Ordinal);

    private static readonly string[] PlanningMutations = ["startGapAnalysis", "cancelGapAnalysis", "startPlacement"];

    [Fact]
    public async Task Planner_PassesOnlyThePlanningRoutesAndMutations()
    {
        var routes = WriteRoutes(Factory.Services);
        var planner = await ClientForAsync(Roles.Planner);

        Assert.Contains(("POST", "/api/gap_analyses/{id:guid}/cancel"), routes);
        Assert.Contains(("DELETE", "/api/demand_datasets/{id:guid}"), routes);
        foreach (var (method, route) in routes)
        {
            var response = await planner.SendAsync(Request(method, route));
            if (IsPlanningRoute(method, route))
            {
                Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{method} {route}: {response.StatusCode}");
            }
            else
            {
                await Problem.AssertAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
            }
        }
        var schema = (await Client.PostGraphQLAsync("{ __schema { mutationType { fields { name args { name type { kind name ofType { kind name ofType { kind name } } } } } } } }")).AssertData();
        foreach (var mutation in schema.GetProperty("__schema").GetProperty("mutationType").GetProperty("fields").EnumerateArray())
        {
            var name = mutation.GetProperty("name").GetString()!;
            var args = string.Join(", ", await Task.WhenAll(mutation.GetProperty("args").EnumerateArray()
                .Where(a => a.GetProperty("type").GetProperty("kind").GetString() == "NON_NULL")
                .Select(async a => $"{a.GetProperty("name").GetString()}: {await ValueAsync(a.GetProperty("type"))}")));
            var codes = Codes(await planner.PostGraphQLAsync($"mutation {{ {name}{(args.Length > 0 ? $"({args})" : "")} {await SelectionAsync(name)} }}"));

            Assert.True(PlanningMutations.Contains(name) != codes.Contains("FORBIDDEN"), $"{name} as planner: {string.Join(", ", codes)}");
            Assert.DoesNotContain("UNAUTHORIZED", codes);
        }
    }

    private static string?[] Codes(GraphQLResponse response) =>
        [.. response.Errors.Select(e => e.TryGetProperty("extensions", out var x) && x.TryGetProperty("code", out var c) ? c.GetString() : null)];

    // A well-formed value of a GraphQL input type: required fields only, ids random, strings "x".
    private async Task<string> ValueAsync(JsonElement type)
    {
        while (type.GetProperty("kind").GetString() == "NON_NULL")
        {
            type = type.GetProperty("ofType");
        }
        var name = type.GetProperty("name").GetString();
        switch (type.GetProperty("kind").GetString())
        {
            case "SCALAR":
                return name switch { "ID" => $"\"{Guid.NewGuid()}\"", "Int" => "1", "Float" => "1.0", "Boolean" => "true", _ => "\"x\"" };
            case "ENUM":
                var values = (await Client.PostGraphQLAsync($"{{ __type(name: \"{name}\") {{ enumValues {{ name }} }} }}")).AssertData();
                return values.GetProperty("__type").GetProperty("enumValues")[0].GetProperty("name").GetString()!;
            case "LIST":
                return "[]";
            default:
                var input = (await Client.PostGraphQLAsync(
                    $"{{ __type(name: \"{name}\") {{ inputFields {{ name type {{ kind name ofType {{ kind name ofType {{ kind name }} }} }} }} }} }}")).AssertData();
                var fields = new List<string>();
                foreach (var f in input.GetProperty("__type").GetProperty("inputFields").EnumerateArray()
                    .Where(f => f.GetProperty("type").GetProperty("kind").GetString() == "NON_NULL"))
                {
                    fields.Add($"{f.GetProperty("name").GetString()}: {await ValueAsync(f.GetProperty("type"))}");
                }
                return "{ " + string.Join(", ", fields) + " }";
        }
    }

    private async Task<string> SelectionAsync(string mutation)
    {
        var type = (await Client.PostGraphQLAsync(
            $"{{ __schema {{ mutationType {{ fields {{ name type {{ kind name ofType {{ kind name }} }} }} }} }} }}")).AssertData()
            .GetProperty("__schema").GetProperty("mutationType").GetProperty("fields").EnumerateArray()
            .Single(f => f.GetProperty("name").GetString() == mutation).GetProperty("type");
        while (type.GetProperty("kind").GetString() == "NON_NULL")
        {
            type = type.GetProperty("ofType");
        }
        return type.GetProperty("kind").GetString() == "OBJECT" ? "{ __typename }" : "";
    }

    [Fact]
    public async Task Editor_WritesItsOwnOrganizationOnly()
    {
        var own = await TestData.CreateOrganizationAsync(Client, "Own");
        var other = await TestData.CreateOrganizationAsync(Client, "Other");
        var otherService = (await TestData.CreateServiceAsync(Client, TestData.Service(other, "theirs"))).GetProperty("id").GetGuid();
        var editor = await ClientForAsync(Roles.Editor, own);

        var create = await editor.PostAsJsonAsync("/api/services", TestData.Service(own, "mine"));
        var intoOther = await editor.PostAsJsonAsync("/api/services", TestData.Service(other, "sneaky"));
        var replaceOther = await editor.PutAsJsonAsync($"/api/services/{otherService}", TestData.Service(own, "hijack"));
        var deleteOther = await editor.DeleteAsync($"/api/services/{otherService}");
        var newOrg = await editor.PostAsJsonAsync("/api/organizations", TestData.Organization("New"));
        var renameOwn = await editor.PutAsJsonAsync($"/api/organizations/{own}", TestData.Organization("Own, renamed"));
        var renameOther = await editor.PutAsJsonAsync($"/api/organizations/{other}", TestData.Organization("Other, renamed"));
        var deleteOwn = await editor.DeleteAsync($"/api/organizations/{own}");

        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        await Problem.AssertAsync(intoOther, HttpStatusCode.Forbidden, "FORBIDDEN");
        await Problem.AssertAsync(replaceOther, HttpStatusCode.Forbidden, "FORBIDDEN");
        await Problem.AssertAsync(deleteOther, HttpStatusCode.Forbidden, "FORBIDDEN");
        await Problem.AssertAsync(newOrg, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal(HttpStatusCode.OK, renameOwn.StatusCode);
        await Problem.AssertAsync(renameOther, HttpStatusCode.Forbidden, "FORBIDDEN");
        await Problem.AssertAsync(deleteOwn, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal("theirs", (await Public.GetFromJsonAsync<JsonElement>($"/api/services/{otherService}")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task ApiKey_WorksAsBearerOrHeader_StoredOnlyAsHash_AndRevocable()
    {
        var secret = await Factory.CreateKeyAsync("revocable", Roles.Admin);
        using var bearer = Factory.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);

        var asBearer = await bearer.PostAsJsonAsync("/api/organizations", TestData.Organization("via bearer"));
        var stored = await Factory.WithDbAsync(db => Task.FromResult(db.ApiKeys.Single(k => k.Name == "revocable")));
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<ApiKeyService>().RevokeAsync("revocable", CancellationToken.None));
        }
        var afterRevoke = await bearer.PostAsJsonAsync("/api/organizations", TestData.Organization("too late"));

        Assert.Equal(HttpStatusCode.Created, asBearer.StatusCode);
        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(stored.Hash) + stored.Prefix + Convert.ToBase64String(stored.Hash), StringComparison.Ordinal);
        Assert.Equal(32, stored.Hash.Length);
        Assert.Equal(secret[..12], stored.Prefix);
        await Problem.AssertAsync(afterRevoke, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Audit_RecordsWhoChangedWhat_AdminOnly()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Audited"));
        var id = created.GetProperty("id").GetGuid();
        var doc = JsonNode.Parse(created.GetRawText())!.AsObject();
        doc["name"] = "Audited, renamed";
        (await Client.PutAsJsonAsync($"/api/services/{id}", doc)).EnsureSuccessStatusCode();
        var invalid = TestData.Service(org, "");
        await Client.PutAsJsonAsync($"/api/services/{id}", invalid);
        (await Client.DeleteAsync($"/api/services/{id}")).EnsureSuccessStatusCode();

        var history = await Client.GetFromJsonAsync<JsonElement>($"/api/audit?entity_id={id}&entity_type=service");
        var caseworker = await ClientForAsync(Roles.Caseworker);

        var entries = history.GetProperty("contents").EnumerateArray().Reverse().ToList();
        Assert.Equal(["create", "update", "delete"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal("test-admin", e.GetProperty("actor").GetString()));
        Assert.Equal("Audited", entries[0].GetProperty("after").GetProperty("name").GetString());
        Assert.Equal("Audited", entries[1].GetProperty("before").GetProperty("name").GetString());
        Assert.Equal("Audited, renamed", entries[1].GetProperty("after").GetProperty("name").GetString());
        Assert.False(entries[1].GetProperty("after").TryGetProperty("description", out _), "only changed fields are recorded");
        Assert.Equal("Audited, renamed", entries[2].GetProperty("before").GetProperty("name").GetString());
        var phones = await Client.GetFromJsonAsync<JsonElement>("/api/audit?entity_type=phone&action=delete");
        Assert.Equal(1, phones.GetProperty("total_items").GetInt32());
        await Problem.AssertAsync(await caseworker.GetAsync("/api/audit"), HttpStatusCode.Forbidden, "FORBIDDEN");
        await Problem.AssertAsync(await Public.GetAsync("/api/audit"), HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }
}
