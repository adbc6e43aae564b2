using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Services;

public sealed class ServiceEndpointsTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task Create_ValidDocument_Returns201WithNestedDocumentAndEtag()
    {
        var org = await TestData.CreateOrganizationAsync(Client);

        var response = await Client.PostAsJsonAsync("/api/services", TestData.Service(org, "Unidad de prueba", 9.9333, -84.0833, "police"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/services/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Unidad de prueba", body.GetProperty("name").GetString());
        Assert.Equal(["police"], body.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(org, body.GetProperty("organization").GetProperty("id").GetGuid());
        var location = body.GetProperty("service_at_locations")[0].GetProperty("location");
        Assert.Equal(9.9333, location.GetProperty("latitude").GetDouble(), 6);
        Assert.Equal(-84.0833, location.GetProperty("longitude").GetDouble(), 6);
        Assert.Equal("Calle Prueba 1", location.GetProperty("addresses")[0].GetProperty("address_1").GetString());
        Assert.Equal("+50600000001", body.GetProperty("phones")[0].GetProperty("number").GetString());
        var schedule = body.GetProperty("schedules")[0];
        Assert.Equal("08:00", schedule.GetProperty("opens_at").GetString());
        Assert.Equal("America/Costa_Rica", schedule.GetProperty("time_zone").GetString());
        Assert.Equal(-6, schedule.GetProperty("timezone").GetDouble());
        Assert.Equal("es", body.GetProperty("languages")[0].GetProperty("code").GetString());
        Assert.Equal("Spanish", body.GetProperty("languages")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Get_UnknownId_Returns404Problem()
    {
        var response = await Client.GetAsync($"/api/services/{Guid.NewGuid()}");

        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Put_WhatWasRead_IsAcceptedAndChangesNothing()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org));
        var id = created.GetProperty("id").GetGuid();
        var read = await Client.GetAsync($"/api/services/{id}");
        var text = await read.Content.ReadAsStringAsync();

        var put = await Client.PutAsync($"/api/services/{id}", new StringContent(text, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(read.Headers.ETag, put.Headers.ETag);
        var again = await Client.GetStringAsync($"/api/services/{id}");
        Assert.Equal(text, again);
    }

    [Fact]
    public async Task Put_ChangedDocument_ReplacesChildrenAndBumpsEtag()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org));
        var id = created.GetProperty("id").GetGuid();
        var doc = JsonNode.Parse(created.GetRawText())!.AsObject();
        doc["name"] = "Renamed";
        doc["phones"] = new JsonArray(new JsonObject { ["number"] = "+50600000002" }, new JsonObject { ["number"] = "116 111", ["type"] = "voice" });
        doc["schedules"] = new JsonArray();
        doc["categories"] = new JsonArray("helpline", "health");
        doc.Remove("attributes");

        var put = await Client.PutAsJsonAsync($"/api/services/{id}", doc);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var body = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Renamed", body.GetProperty("name").GetString());
        Assert.Equal(["+50600000002", "116 111"], body.GetProperty("phones").EnumerateArray().Select(p => p.GetProperty("number").GetString()).Order());
        Assert.Empty(body.GetProperty("schedules").EnumerateArray());
        Assert.Equal(["health", "helpline"], body.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.NotEqual(created.GetProperty("last_modified").GetDateTimeOffset(), body.GetProperty("last_modified").GetDateTimeOffset());
        Assert.Equal(2, await Factory.WithDbAsync(db => db.Phones.CountAsync()));
        Assert.Equal(0, await Factory.WithDbAsync(db => db.Schedules.CountAsync()));
    }

    [Fact]
    public async Task Put_NewId_CreatesWith201()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var id = Guid.NewGuid();

        var put = await Client.PutAsJsonAsync($"/api/services/{id}", TestData.Service(org));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/services/{id}")).StatusCode);
    }

    [Fact]
    public async Task Post_ExistingId_Returns409()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org));
        var again = TestData.Service(org);
        again["id"] = created.GetProperty("id").GetGuid();

        var response = await Client.PostAsJsonAsync("/api/services", again);

        await Problem.AssertAsync(response, HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
    public async Task Put_StaleIfMatch_Returns412AndKeepsRecord()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Original"));
        var id = created.GetProperty("id").GetGuid();
        var first = TestData.Service(org, "First writer");
        var second = TestData.Service(org, "Second writer");
        var etag = (await Client.GetAsync($"/api/services/{id}")).Headers.ETag!.ToString();

        using var put1 = new HttpRequestMessage(HttpMethod.Put, $"/api/services/{id}") { Content = JsonContent.Create(first) };
        put1.Headers.TryAddWithoutValidation("If-Match", etag);
        var r1 = await Client.SendAsync(put1);
        using var put2 = new HttpRequestMessage(HttpMethod.Put, $"/api/services/{id}") { Content = JsonContent.Create(second) };
        put2.Headers.TryAddWithoutValidation("If-Match", etag);
        var r2 = await Client.SendAsync(put2);

        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        await Problem.AssertAsync(r2, HttpStatusCode.PreconditionFailed, "PRECONDITION_FAILED");
        var now = await Client.GetFromJsonAsync<JsonElement>($"/api/services/{id}");
        Assert.Equal("First writer", now.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Put_ParallelWritersWithSameEtag_ExactlyOneWins()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Original"));
        var id = created.GetProperty("id").GetGuid();
        var etag = (await Client.GetAsync($"/api/services/{id}")).Headers.ETag!.ToString();

        var writers = Enumerable.Range(0, 6).Select(async i =>
        {
            using var client = Factory.CreateClient(Factory.AdminKey);
            using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/services/{id}") { Content = JsonContent.Create(TestData.Service(org, $"Writer {i}")) };
            put.Headers.TryAddWithoutValidation("If-Match", etag);
            return (await client.SendAsync(put)).StatusCode;
        });
        var results = await Task.WhenAll(writers);

        Assert.Single(results, s => s == HttpStatusCode.OK);
        Assert.All(results.Where(s => s != HttpStatusCode.OK), s => Assert.True(s is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict, $"got {s}"));
    }

    [Fact]
    public async Task Delete_RemovesServiceChildrenAndUnusedLocations_KeepsSharedOnes()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var a = await TestData.CreateServiceAsync(Client, TestData.Service(org, "A"));
        var sharedLocationId = a.GetProperty("service_at_locations")[0].GetProperty("location_id").GetGuid();
        var b = TestData.Service(org, "B");
        b["service_at_locations"] = new JsonArray(new JsonObject { ["location_id"] = sharedLocationId });
        var bCreated = await TestData.CreateServiceAsync(Client, b);
        var c = await TestData.CreateServiceAsync(Client, TestData.Service(org, "C", 10.0, -84.2));
        var cLocationId = c.GetProperty("service_at_locations")[0].GetProperty("location_id").GetGuid();

        var deleteA = await Client.DeleteAsync($"/api/services/{a.GetProperty("id").GetGuid()}");
        var deleteC = await Client.DeleteAsync($"/api/services/{c.GetProperty("id").GetGuid()}");

        Assert.Equal(HttpStatusCode.NoContent, deleteA.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleteC.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/services/{a.GetProperty("id").GetGuid()}")).StatusCode);
        var ids = await Factory.WithDbAsync(db => db.Locations.Select(l => l.Id).ToListAsync());
        Assert.Contains(sharedLocationId, ids);
        Assert.DoesNotContain(cLocationId, ids);
        Assert.Equal(1, await Factory.WithDbAsync(db => db.Phones.CountAsync()));
        var bRead = await Client.GetFromJsonAsync<JsonElement>($"/api/services/{bCreated.GetProperty("id").GetGuid()}");
        Assert.Equal(sharedLocationId, bRead.GetProperty("service_at_locations")[0].GetProperty("location_id").GetGuid());
    }

    [Fact]
    public async Task Delete_UnknownId_Returns404()
    {
        var response = await Client.DeleteAsync($"/api/services/{Guid.NewGuid()}");

        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task ServiceArea_WithGeoJsonPolygon_IsStoredAndReturnedAsGeoJsonString()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var doc = TestData.Service(org, "National helpline", category: "helpline");
        doc["service_at_locations"] = new JsonArray();
        doc["service_areas"] = new JsonArray(new JsonObject
        {
            ["name"] = "Box",
            ["extent"] = new JsonObject
            {
                ["type"] = "Polygon",
                ["coordinates"] = JsonNode.Parse("[[[-85,9],[-83,9],[-83,11],[-85,11],[-85,9]]]"),
            },
            ["region_codes"] = new JsonArray("cr"),
        });

        var created = await TestData.CreateServiceAsync(Client, doc);

        var area = created.GetProperty("service_areas")[0];
        Assert.Equal("geojson", area.GetProperty("extent_type").GetString());
        var geometry = JsonDocument.Parse(area.GetProperty("extent").GetString()!).RootElement;
        Assert.Equal("MultiPolygon", geometry.GetProperty("type").GetString());
        Assert.Equal(["CR"], area.GetProperty("region_codes").EnumerateArray().Select(c => c.GetString()));
        var covers = await Factory.WithDbAsync(db => db.ServiceAreas
            .CountAsync(a => a.Extent!.Covers(Referral.Api.Infrastructure.Geo.Point(10, -84))));
        Assert.Equal(1, covers);
    }
}
