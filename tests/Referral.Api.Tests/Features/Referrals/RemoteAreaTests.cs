using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>
/// Security review, finding 6: <c>remote</c> inlined each covering area's full GeoJSON, so one editor's huge outline made
/// every nearest answer around it megabytes long. Remote channels now carry region codes and a link to the service.
/// </summary>
public sealed class RemoteAreaTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private Guid _org;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _org = await TestData.CreateOrganizationAsync(Client);
    }

    /// <summary>A remote channel whose area is a circle of <paramref name="vertices"/> vertices around (10, -84), radius 1°.</summary>
    private async Task<HttpResponseMessage> AddAreaServiceAsync(string name, int vertices)
    {
        var doc = TestData.Service(_org, name, 0, 0, "helpline");
        doc["service_at_locations"] = new JsonArray();
        doc["service_areas"] = new JsonArray(new JsonObject
        {
            ["name"] = "Big outline",
            ["extent"] = JsonNode.Parse($$"""{"type":"Polygon","coordinates":[{{HostilePayloadTests.Circle(vertices - 1)}}]}"""),
        });
        return await Client.PostAsJsonAsync("/api/services", doc);
    }

    [Fact]
    public async Task Nearest_WithAHugeCoveringOutline_StaysSmallAndLinksTheService()
    {
        var created = await AddAreaServiceAsync("Helpline with a huge outline", 20_000);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var nearest = await Public.GetAsync("/api/nearest?lat=9.9&lng=-84.1");
        var referral = await Public.GetAsync("/api/referral?lat=9.9&lng=-84.1&needs=helpline");
        var graphql = await Public.PostAsJsonAsync("/graphql", new
        {
            query = "{ nearestServices(near: {lat: 9.9, lng: -84.1}) { remote { service { name } serviceArea { id name regionCodes hasExtent href } } } }",
        });

        foreach (var response in new[] { nearest, referral, graphql })
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(text.Length < 8_000, $"{response.RequestMessage!.RequestUri}: {text.Length} characters");
            Assert.DoesNotContain("coordinates", text, StringComparison.Ordinal);
        }
        var remote = (await nearest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("remote")[0];
        Assert.Equal("Helpline with a huge outline", remote.GetProperty("service").GetProperty("name").GetString());
        Assert.True(remote.GetProperty("service_area").GetProperty("has_extent").GetBoolean());
        var href = remote.GetProperty("service_area").GetProperty("href").GetString();
        Assert.Equal($"/api/services/{id}", href);
        var card = await referral.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(href, card.GetProperty("remote")[0].GetProperty("service_area").GetProperty("href").GetString());
        var gql = (await graphql.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("nearestServices").GetProperty("remote")[0];
        Assert.Equal(href, gql.GetProperty("serviceArea").GetProperty("href").GetString());
        var detail = await Public.GetFromJsonAsync<JsonElement>(href);
        Assert.Contains("coordinates", detail.GetProperty("service_areas")[0].GetProperty("extent").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceAreas_OfOneOrganization_AreCappedInVertices()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await AddAreaServiceAsync($"outline {i}", 20_000)).StatusCode);
        }

        var sixth = await AddAreaServiceAsync("one outline too many", 20_000);

        var problem = await Problem.AssertAsync(sixth, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains("service_areas", Problem.Fields(problem));
        Assert.Contains("MaxOrganizationVertices", problem.GetProperty("errors").GetProperty("service_areas")[0].GetString(), StringComparison.Ordinal);
    }
}
