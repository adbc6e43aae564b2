using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.GraphQL;

/// <summary>GraphQL queries read through the same query layer as REST: same records, same filters, same order.</summary>
public sealed class GraphQLQueryTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    internal static JsonObject RichService(Guid org, string name = "Línea de ayuda")
    {
        var doc = TestData.Service(org, name, 9.9333, -84.0833, "helpline");
        doc["alternate_name"] = "Ayuda";
        doc["categories"] = new JsonArray("helpline", "psychosocial");
        doc["platforms"] = new JsonArray("tiktok");
        doc["assured_date"] = "2026-01-15";
        doc["phones"] = new JsonArray(
            new JsonObject { ["number"] = "116 111", ["type"] = "voice", ["languages"] = new JsonArray(new JsonObject { ["code"] = "es" }) },
            new JsonObject { ["number"] = "+50688887777", ["type"] = "whatsapp", ["description"] = "Chat" });
        doc["service_areas"] = new JsonArray(new JsonObject
        {
            ["name"] = "San José",
            ["region_codes"] = new JsonArray("CR-SJ"),
            ["extent"] = new JsonObject
            {
                ["type"] = "Polygon",
                ["coordinates"] = new JsonArray(new JsonArray(
                    new JsonArray(-84.2, 9.8), new JsonArray(-83.9, 9.8), new JsonArray(-83.9, 10.1), new JsonArray(-84.2, 10.1), new JsonArray(-84.2, 9.8))),
            },
        });
        doc["service_at_locations"]![0]!["location"]!["accessibility"] = new JsonArray(new JsonObject { ["description"] = "Ramp at the entrance" });
        return doc;
    }

    [Fact]
    public async Task Service_ById_ReturnsTheRestDocumentFieldForField()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var id = (await TestData.CreateServiceAsync(Client, RichService(org))).GetProperty("id").GetGuid();
        var rest = JsonNode.Parse(await Client.GetStringAsync($"/api/services/{id}"));

        var response = await Client.PostGraphQLAsync($"query($id: ID!) {{ service(id: $id) {{ {RestShape.ServiceFields} }} }}", new { id });

        var service = response.AssertData().GetProperty("service");
        RestShape.AssertEqual(rest, RestShape.FromGraphQL(service));
    }

    [Fact]
    public async Task Services_NestedFields_MatchRestDocumentsOfEachService()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        await TestData.CreateServiceAsync(Client, RichService(org, "B service"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "A service", category: "police"));

        var response = await Client.PostGraphQLAsync($"{{ services {{ edges {{ node {{ {RestShape.ServiceFields} }} }} }} }}");

        var nodes = response.AssertData().GetProperty("services").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")).ToList();
        Assert.Equal(["A service", "B service"], nodes.Select(n => n.GetProperty("name").GetString()));
        foreach (var node in nodes)
        {
            var rest = JsonNode.Parse(await Client.GetStringAsync($"/api/services/{node.GetProperty("id").GetString()}"));
            RestShape.AssertEqual(rest, RestShape.FromGraphQL(node));
        }
    }

    [Fact]
    public async Task Services_Filters_ReturnSameServicesInSameOrderAsRest()
    {
        var org1 = await TestData.CreateOrganizationAsync(Client, "Org one");
        var org2 = await TestData.CreateOrganizationAsync(Client, "Org two");
        foreach (var (org, name, category) in new[] { (org1, "Zeta police", "police"), (org1, "Alpha helpline", "helpline"), (org1, "Mid police", "police"), (org2, "Other police", "police") })
        {
            await TestData.CreateServiceAsync(Client, TestData.Service(org, name, category: category));
        }
        var police = TestData.TermId("police");

        var rest = await Client.GetFromJsonAsync<JsonElement>($"/api/services?organization_id={org1}&taxonomy_term_id={police}");
        var response = await Client.PostGraphQLAsync(
            "query($org: ID, $term: ID) { services(organizationId: $org, taxonomyTermId: $term) { totalCount edges { node { id name } } } }",
            new { org = org1, term = police });

        var services = response.AssertData().GetProperty("services");
        Assert.Equal(rest.GetProperty("total_items").GetInt32(), services.GetProperty("totalCount").GetInt32());
        Assert.Equal(
            rest.GetProperty("contents").EnumerateArray().Select(s => s.GetProperty("id").GetString()),
            services.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("id").GetString()));
        Assert.Equal(["Mid police", "Zeta police"], services.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Services_FirstAndAfter_WalkAllPagesWithTotalCount()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        foreach (var name in new[] { "S1", "S2", "S3", "S4", "S5" })
        {
            await TestData.CreateServiceAsync(Client, TestData.Service(org, name));
        }
        const string query = "query($after: String) { services(first: 2, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { name } } } }";

        var pages = new List<JsonElement>();
        string? after = null;
        do
        {
            var page = (await Client.PostGraphQLAsync(query, new { after })).AssertData().GetProperty("services");
            pages.Add(page);
            after = page.GetProperty("pageInfo").GetProperty("endCursor").GetString();
        }
        while (pages[^1].GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());

        Assert.Equal(3, pages.Count);
        Assert.All(pages, p => Assert.Equal(5, p.GetProperty("totalCount").GetInt32()));
        Assert.Equal(["S1", "S2", "S3", "S4", "S5"], pages.SelectMany(p => p.GetProperty("edges").EnumerateArray()).Select(e => e.GetProperty("node").GetProperty("name").GetString()));
        Assert.False(pages[0].GetProperty("pageInfo").GetProperty("hasPreviousPage").GetBoolean());
        Assert.True(pages[1].GetProperty("pageInfo").GetProperty("hasPreviousPage").GetBoolean());
    }

    [Fact]
    public async Task Services_AfterCursorNotOnPageBoundary_ReturnsTheNextItems()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        foreach (var name in new[] { "S1", "S2", "S3", "S4", "S5" })
        {
            await TestData.CreateServiceAsync(Client, TestData.Service(org, name));
        }
        var first = (await Client.PostGraphQLAsync("{ services(first: 1) { edges { cursor } } }")).AssertData();
        var cursor = first.GetProperty("services").GetProperty("edges")[0].GetProperty("cursor").GetString();

        var response = await Client.PostGraphQLAsync("query($after: String) { services(first: 3, after: $after) { pageInfo { hasNextPage } edges { node { name } } } }", new { after = cursor });

        var services = response.AssertData().GetProperty("services");
        Assert.Equal(["S2", "S3", "S4"], services.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("name").GetString()));
        Assert.True(services.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
    }

    [Theory]
    [InlineData("services(first: 101)", "first")]
    [InlineData("services(first: 0)", "first")]
    [InlineData("services(after: \"not-a-cursor\")", "after")]
    [InlineData("services(organizationId: \"42\")", "organizationId")]
    public async Task Services_BadArguments_ReturnValidationFailedNamingTheArgument(string field, string argument)
    {
        var response = await Client.PostGraphQLAsync($"{{ {field} {{ totalCount }} }}");

        var error = response.AssertError("VALIDATION_FAILED");
        Assert.True(error.GetProperty("extensions").GetProperty("fields").TryGetProperty(argument, out _), response.Text);
    }

    [Fact]
    public async Task Services_CursorOfAnotherList_IsRejected()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var orgs = (await Client.PostGraphQLAsync("{ organizations { edges { cursor } } }")).AssertData();
        var cursor = orgs.GetProperty("organizations").GetProperty("edges")[0].GetProperty("cursor").GetString();

        var response = await Client.PostGraphQLAsync("query($after: String) { services(after: $after) { totalCount } }", new { after = cursor });

        response.AssertError("VALIDATION_FAILED");
        Assert.NotEqual(Guid.Empty, org);
    }

    [Fact]
    public async Task Service_UnknownId_ReturnsNotFoundWithNullData()
    {
        var response = await Client.PostGraphQLAsync("query($id: ID!) { service(id: $id) { name } }", new { id = Guid.NewGuid() });

        Assert.Equal(200, (int)response.Http.StatusCode);
        response.AssertError("NOT_FOUND");
        Assert.Equal(JsonValueKind.Null, response.Data.GetProperty("service").ValueKind);
    }

    [Fact]
    public async Task Service_IdThatIsNotAUuid_ReturnsValidationFailed()
    {
        var response = await Client.PostGraphQLAsync("{ service(id: \"abc\") { name } }");

        var error = response.AssertError("VALIDATION_FAILED");
        Assert.True(error.GetProperty("extensions").GetProperty("fields").TryGetProperty("id", out _));
    }

    [Fact]
    public async Task Organizations_Search_MatchesRest()
    {
        await TestData.CreateOrganizationAsync(Client, "Fundación Niñez");
        await TestData.CreateOrganizationAsync(Client, "Other body");
        var rest = await Client.GetFromJsonAsync<JsonElement>("/api/organizations?search=ninez");

        var response = await Client.PostGraphQLAsync("{ organizations(search: \"ninez\") { totalCount edges { node { id name etag } } } }");

        var orgs = response.AssertData().GetProperty("organizations");
        Assert.Equal(1, orgs.GetProperty("totalCount").GetInt32());
        var node = orgs.GetProperty("edges")[0].GetProperty("node");
        Assert.Equal(rest.GetProperty("contents")[0].GetProperty("id").GetString(), node.GetProperty("id").GetString());
        var etag = (await Client.GetAsync($"/api/organizations/{node.GetProperty("id").GetString()}")).Headers.ETag!.ToString();
        Assert.Equal(etag, node.GetProperty("etag").GetString());
    }

    [Fact]
    public async Task Organization_ById_MatchesRest()
    {
        var id = await TestData.CreateOrganizationAsync(Client, "Fundación Niñez");
        var rest = JsonNode.Parse(await Client.GetStringAsync($"/api/organizations/{id}"));

        var response = await Client.PostGraphQLAsync(
            "query($id: ID!) { organization(id: $id) { id name alternateName description email website legalStatus yearIncorporated lastModified demo etag } }", new { id });

        RestShape.AssertEqual(rest, RestShape.FromGraphQL(response.AssertData().GetProperty("organization"), "etag"));
    }

    [Fact]
    public async Task TaxonomiesAndTerms_MatchRest()
    {
        var rest = await Client.GetFromJsonAsync<JsonElement>($"/api/taxonomy_terms?taxonomy_id={TestData.CategoryTaxonomyId}&per_page=100");

        var response = await Client.PostGraphQLAsync(
            "query($t: ID) { taxonomies { totalCount items { id name } } taxonomyTerms(taxonomyId: $t, first: 100) { totalCount items { id code labels { language name } } } }",
            new { t = TestData.CategoryTaxonomyId });

        var data = response.AssertData();
        Assert.Equal("referral-category", data.GetProperty("taxonomies").GetProperty("items")[0].GetProperty("name").GetString());
        var terms = data.GetProperty("taxonomyTerms");
        Assert.Equal(rest.GetProperty("total_items").GetInt32(), terms.GetProperty("totalCount").GetInt32());
        Assert.Equal(
            rest.GetProperty("contents").EnumerateArray().Select(t => t.GetProperty("code").GetString()),
            terms.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("code").GetString()));
        Assert.Contains(terms.GetProperty("items")[0].GetProperty("labels").EnumerateArray(), l => l.GetProperty("language").GetString() == "es");
    }
}
