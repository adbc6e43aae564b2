using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Features.Access;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Access;

/// <summary>An editor and another organization's locations: never changed through a nested write, linked only when public.</summary>
public sealed class CrossOrganizationTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private async Task<HttpClient> EditorAsync(Guid org) =>
        Factory.CreateClient(await Factory.CreateKeyAsync($"editor-{Guid.NewGuid():N}", Roles.Editor, org));

    private async Task<(Guid Service, Guid Location)> ShelterAsync(Guid org, string visibility, double lat, double lng)
    {
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, "shelter " + visibility, lat, lng, "shelter", visibility));
        return (created.GetProperty("id").GetGuid(), created.GetProperty("service_at_locations")[0].GetProperty("location_id").GetGuid());
    }

    private Task<(string Visibility, double Lat, double Lng, Guid? Org)> StoredAsync(Guid location) => Factory.WithDbAsync(db =>
    {
        var l = db.Locations.Single(x => x.Id == location);
        return Task.FromResult((l.Visibility, l.Point!.Y, l.Point.X, l.OrganizationId));
    });

    [Fact]
    public async Task NestedLocation_OfAnotherOrganization_WithNewVisibilityAndPoint_Is400_AndLeavesItUnchanged()
    {
        var mine = await TestData.CreateOrganizationAsync(Client, "Mine");
        var theirs = await TestData.CreateOrganizationAsync(Client, "Theirs");
        var (_, hidden) = await ShelterAsync(theirs, "hidden", 9.9512, -84.0712);
        var editor = await EditorAsync(mine);
        var doc = TestData.Service(mine, "my service", 10.5, -84.5);
        var location = doc["service_at_locations"]![0]!["location"]!.AsObject();
        location["id"] = hidden;
        location["visibility"] = "public";
        location["name"] = "now public";

        var response = await editor.PostAsJsonAsync("/api/services", doc);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(("hidden", 9.9512, -84.0712, (Guid?)theirs), await StoredAsync(hidden));
        Assert.Equal(0, await Factory.WithDbAsync(db => Task.FromResult(db.Services.Count(s => s.OrganizationId == mine))));
    }

    [Fact]
    public async Task LinkByLocationId_AnotherOrganizationsHiddenPlace_IsAnsweredAsAnUnknownId_AndNoAnswerNamesItsOwner()
    {
        var owner = await TestData.CreateOrganizationAsync(Client, "Owner");
        var linker = await TestData.CreateOrganizationAsync(Client, "Linker");
        var editor = await EditorAsync(linker);
        var (_, hidden) = await ShelterAsync(owner, "hidden", 9.93, -84.07);
        var (_, approximate) = await ShelterAsync(owner, "approximate", 9.92, -84.06);
        var unknown = Guid.NewGuid();

        async Task<string> LinkAsync(JsonObject link)
        {
            var doc = TestData.Service(linker, "linked");
            doc["service_at_locations"] = new JsonArray(link);
            using var response = await editor.PostAsJsonAsync("/api/services", doc);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }
        var toHidden = await LinkAsync(new JsonObject { ["location_id"] = hidden });
        var toUnknown = await LinkAsync(new JsonObject { ["location_id"] = unknown });
        var toApproximate = await LinkAsync(new JsonObject { ["location_id"] = approximate });
        var nested = TestData.Service(linker, "nested")["service_at_locations"]![0]!["location"]!.DeepClone().AsObject();
        nested["id"] = hidden;
        var changingHidden = await LinkAsync(new JsonObject { ["location"] = nested });

        static string Errors(string body) => JsonDocument.Parse(body).RootElement.GetProperty("errors").GetRawText();
        Assert.Equal(Errors(toUnknown).Replace(unknown.ToString(), hidden.ToString(), StringComparison.Ordinal), Errors(toHidden));
        foreach (var body in new[] { toHidden, toApproximate, changingHidden })
        {
            Assert.DoesNotContain(owner.ToString(), body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task LinkByLocationId_AnotherOrganizationsLocation_OnlyWhenPublic_AndTheOwnersDeleteLeavesNothingExactBehind()
    {
        var owner = await TestData.CreateOrganizationAsync(Client, "Owner");
        var linker = await TestData.CreateOrganizationAsync(Client, "Linker");
        var editor = await EditorAsync(linker);
        var sites = new Dictionary<string, (Guid Service, Guid Location)>
        {
            ["public"] = await ShelterAsync(owner, "public", 9.91, -84.05),
            ["approximate"] = await ShelterAsync(owner, "approximate", 9.92, -84.06),
            ["hidden"] = await ShelterAsync(owner, "hidden", 9.93, -84.07),
        };
        var responses = new Dictionary<string, HttpResponseMessage>();
        foreach (var (visibility, (_, location)) in sites)
        {
            var doc = TestData.Service(linker, "linked to " + visibility);
            doc["service_at_locations"] = new JsonArray(new JsonObject { ["location_id"] = location });
            responses[visibility] = await editor.PostAsJsonAsync("/api/services", doc);
        }
        foreach (var (service, _) in sites.Values)
        {
            (await Client.DeleteAsync($"/api/services/{service}")).EnsureSuccessStatusCode();
        }
        var left = await Factory.WithDbAsync(db => Task.FromResult(db.ServiceAtLocations
            .Where(x => x.Service!.OrganizationId == linker).Select(x => x.Location!.Visibility).ToList()));

        Assert.Equal(HttpStatusCode.Created, responses["public"].StatusCode);
        await Problem.AssertAsync(responses["approximate"], HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        await Problem.AssertAsync(responses["hidden"], HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(["public"], left);
    }

    [Fact]
    public async Task OwnersEditor_MayLinkItsOwnHiddenLocation()
    {
        var owner = await TestData.CreateOrganizationAsync(Client, "Owner");
        var (_, hidden) = await ShelterAsync(owner, "hidden", 9.93, -84.07);
        var editor = await EditorAsync(owner);
        var doc = TestData.Service(owner, "second service at the shelter");
        doc["service_at_locations"] = new JsonArray(new JsonObject { ["location_id"] = hidden });

        var response = await editor.PostAsJsonAsync("/api/services", doc);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(hidden, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("service_at_locations")[0].GetProperty("location_id").GetGuid());
    }
}
