using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Locations;

/// <summary>
/// Issue 11 item 12: the public's ETag and last_modified are made from what the public sees. Moving a confidential
/// location (a shelter) — its exact point, its address — must not change them, or anyone could watch a shelter move by
/// polling its service; a change the public can see does change them. Those who may write the service keep the real
/// version (If-Match still guards their writes).
/// </summary>
public sealed class PublicVersionTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // In the 0.05° cell whose centre is (9.925, -84.075), more than 1.5 km from it: the public point is that centre, and
    // the move below stays in the same cell and as far out, so what the public sees does not move.
    private const double Lat = 9.941, Lng = -84.091, MovedLat = 9.942, MovedLng = -84.092;

    private sealed record Seen(string ETag, string LastModified, string Body, string GraphQLETag, string GraphQLLastModified, string ListLastModified);

    private async Task<Seen> PublicSeesAsync(Guid id)
    {
        using var response = await Public.GetAsync($"/api/services/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var doc = JsonDocument.Parse(body).RootElement;
        var gql = (await Public.PostGraphQLAsync("query($id: ID!) { service(id: $id) { etag lastModified } }", new { id })).AssertData().GetProperty("service");
        var list = await Public.GetFromJsonAsync<JsonElement>("/api/services?per_page=50");
        var inList = list.GetProperty("contents").EnumerateArray().Single(s => s.GetProperty("id").GetGuid() == id);
        return new Seen(response.Headers.ETag!.ToString(), doc.GetProperty("last_modified").GetString()!, body,
            gql.GetProperty("etag").GetString()!, gql.GetProperty("lastModified").GetString()!, inList.GetProperty("last_modified").GetString()!);
    }

    private async Task<(JsonObject Doc, string ETag)> AdminReadsAsync(Guid id)
    {
        using var response = await Client.GetAsync($"/api/services/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject(), response.Headers.ETag!.ToString());
    }

    private async Task<string> PutAsync(Guid id, JsonObject doc, string etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/services/{id}") { Content = JsonContent.Create(doc) };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        using var response = await Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return response.Headers.ETag!.ToString();
    }

    [Fact]
    public async Task MovingAnApproximateShelter_ChangesNothingThePublicSees_APublicChangeDoes()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Shelter", Lat, Lng, "shelter", "approximate"));
        var id = created.GetProperty("id").GetGuid();
        var before = await PublicSeesAsync(id);
        var (doc, etag) = await AdminReadsAsync(id);
        await Task.Delay(20); // last_modified has microseconds; make sure a new one would differ

        // The shelter moves: a new exact point and a new street address (the public sees neither).
        var location = doc["service_at_locations"]![0]!["location"]!.AsObject();
        location["latitude"] = MovedLat;
        location["longitude"] = MovedLng;
        location["addresses"]![0]!["address_1"] = "Calle Nueva 99";
        var adminEtag = await PutAsync(id, doc, etag);

        Assert.NotEqual(etag, adminEtag); // the writer's own version moved: If-Match keeps working for editors
        var (stored, _) = await AdminReadsAsync(id);
        Assert.Equal(MovedLat, stored["service_at_locations"]![0]!["location"]!["latitude"]!.GetValue<double>(), 6);
        var after = await PublicSeesAsync(id);
        Assert.Equal(before, after);
        using (var since = await Public.GetAsync($"/api/services?modified_after={Uri.EscapeDataString(before.LastModified)}"))
        {
            Assert.Equal(0, (await since.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total_items").GetInt32());
        }

        // A change the public sees (the service's phone) changes both.
        doc = (await AdminReadsAsync(id)).Doc;
        doc["phones"]![0]!["number"] = "+50600000999";
        await PutAsync(id, doc, (await AdminReadsAsync(id)).ETag);
        var changed = await PublicSeesAsync(id);
        Assert.NotEqual(before.ETag, changed.ETag);
        Assert.NotEqual(before.GraphQLETag, changed.GraphQLETag);
        Assert.True(DateTimeOffset.Parse(changed.LastModified, System.Globalization.CultureInfo.InvariantCulture)
            > DateTimeOffset.Parse(before.LastModified, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(changed.LastModified, changed.ListLastModified);
    }

    [Fact]
    public async Task MovingAHiddenLocation_ChangesNothingThePublicSees()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var service = TestData.Service(org, "Office and safe house", 9.9333, -84.0833);
        var hidden = TestData.Service(org, "Safe house", 9.95, -84.1, "shelter", "hidden")["service_at_locations"]![0]!.DeepClone();
        service["service_at_locations"]!.AsArray().Add(hidden);
        var id = (await TestData.CreateServiceAsync(Client, service)).GetProperty("id").GetGuid();
        var before = await PublicSeesAsync(id);
        var (doc, etag) = await AdminReadsAsync(id);
        await Task.Delay(20);

        var safeHouse = doc["service_at_locations"]!.AsArray().Select(x => x!["location"]!.AsObject()).Single(l => l["visibility"]!.GetValue<string>() == "hidden");
        safeHouse["latitude"] = 10.3;
        safeHouse["longitude"] = -84.4;
        safeHouse["name"] = "Safe house, new site";
        await PutAsync(id, doc, etag);

        Assert.Equal(before, await PublicSeesAsync(id));
        // The owner sees the real version change.
        var (_, adminEtag) = await AdminReadsAsync(id);
        Assert.NotEqual(etag, adminEtag);
    }

    /// <summary>
    /// Sweep 12: a gap analysis is reused (200, same <c>input_hash</c>) while its inputs are unchanged, and its inputs hashed
    /// the services' editors' version — so a planner re-posting the same analysis learned (201, a new public input_hash) when
    /// a shelter moved, the side channel the public ETag closed. The analysis measures only what the public sees; so does its hash.
    /// </summary>
    [Fact]
    public async Task MovingAShelter_DoesNotChangeAGapAnalysisInputHash_APublicChangeDoes()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var service = TestData.Service(org, "Shelter and safe house", Lat, Lng, "shelter", "approximate");
        var hidden = TestData.Service(org, "Safe house", 9.95, -84.1, "shelter", "hidden")["service_at_locations"]![0]!.DeepClone();
        service["service_at_locations"]!.AsArray().Add(hidden);
        var id = (await TestData.CreateServiceAsync(Client, service)).GetProperty("id").GetGuid();
        await Features.Gaps.GapWorld.ImportCsvAsync(Client, "shelter towns", "name,lat,lng,population\nA,9.9,-84.1,1000\nB,10.2,-84.3,200\n");
        async Task<(HttpStatusCode Status, string Hash)> AnalyseAsync()
        {
            using var response = await Client.PostAsJsonAsync("/api/gap_analyses", new { dataset = "shelter towns", categories = new[] { "shelter" } });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (response.StatusCode, body.GetProperty("input_hash").GetString()!);
        }
        var first = await AnalyseAsync();
        var (doc, etag) = await AdminReadsAsync(id);
        await Task.Delay(20);

        // Both places move where the public cannot see it: the approximate one within its cell, the hidden one anywhere.
        var places = doc["service_at_locations"]!.AsArray().Select(x => x!["location"]!.AsObject()).ToList();
        var approximate = places.Single(l => l["visibility"]!.GetValue<string>() == "approximate");
        approximate["latitude"] = MovedLat;
        approximate["longitude"] = MovedLng;
        var safeHouse = places.Single(l => l["visibility"]!.GetValue<string>() == "hidden");
        safeHouse["latitude"] = 10.3;
        safeHouse["longitude"] = -84.4;
        await PutAsync(id, doc, etag);
        var afterMove = await AnalyseAsync();

        // A change the public sees (the service's phone) is a new input.
        doc = (await AdminReadsAsync(id)).Doc;
        doc["phones"]![0]!["number"] = "+50600000999";
        await PutAsync(id, doc, (await AdminReadsAsync(id)).ETag);
        var afterPhone = await AnalyseAsync();

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal((HttpStatusCode.OK, first.Hash), afterMove);
        Assert.Equal(HttpStatusCode.Created, afterPhone.Status);
        Assert.NotEqual(first.Hash, afterPhone.Hash);
    }
}
