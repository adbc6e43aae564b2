using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Organizations;

public sealed class OrganizationEndpointsTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task Create_ValidDocument_Returns201WithLocationAndEtag()
    {
        var doc = TestData.Organization("Fundación Prueba");
        doc["email"] = "info@example.org";
        doc["website"] = "https://example.org";
        doc["year_incorporated"] = 1998;

        var response = await Client.PostAsJsonAsync("/api/organizations", doc);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/organizations/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Fundación Prueba", body.GetProperty("name").GetString());
        Assert.Equal("info@example.org", body.GetProperty("email").GetString());
        Assert.Equal("https://example.org", body.GetProperty("website").GetString());
        Assert.Equal(1998, body.GetProperty("year_incorporated").GetInt32());
    }

    [Fact]
    public async Task Get_ExistingId_ReturnsDocumentWithSameEtagAsCreate()
    {
        var created = await Client.PostAsJsonAsync("/api/organizations", TestData.Organization("Readable"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var response = await Client.GetAsync($"/api/organizations/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(created.Headers.ETag, response.Headers.ETag);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, body.GetProperty("id").GetGuid());
        Assert.Equal("Readable", body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Get_UnknownId_Returns404Problem()
    {
        var response = await Client.GetAsync($"/api/organizations/{Guid.NewGuid()}");

        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Put_ExistingId_ReplacesWholeDocumentAndChangesEtag()
    {
        var original = TestData.Organization("Original");
        original["email"] = "old@example.org";
        original["legal_status"] = "NGO";
        var created = await Client.PostAsJsonAsync("/api/organizations", original);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var put = await Client.PutAsJsonAsync($"/api/organizations/{id}", TestData.Organization("Replaced"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.NotEqual(created.Headers.ETag, put.Headers.ETag);
        var stored = await Client.GetFromJsonAsync<JsonElement>($"/api/organizations/{id}");
        Assert.Equal("Replaced", stored.GetProperty("name").GetString());
        Assert.False(stored.TryGetProperty("email", out _));
        Assert.False(stored.TryGetProperty("legal_status", out _));
    }

    [Fact]
    public async Task Put_NewId_CreatesWith201()
    {
        var id = Guid.NewGuid();

        var put = await Client.PutAsJsonAsync($"/api/organizations/{id}", TestData.Organization("Made by PUT"));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal($"/api/organizations/{id}", put.Headers.Location?.OriginalString);
        Assert.NotNull(put.Headers.ETag);
        var stored = await Client.GetFromJsonAsync<JsonElement>($"/api/organizations/{id}");
        Assert.Equal("Made by PUT", stored.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Put_StaleIfMatch_Returns412AndKeepsRecord()
    {
        var id = await TestData.CreateOrganizationAsync(Client, "Original");
        var etag = (await Client.GetAsync($"/api/organizations/{id}")).Headers.ETag!.ToString();
        using var first = new HttpRequestMessage(HttpMethod.Put, $"/api/organizations/{id}") { Content = JsonContent.Create(TestData.Organization("First writer")) };
        first.Headers.TryAddWithoutValidation("If-Match", etag);
        using var second = new HttpRequestMessage(HttpMethod.Put, $"/api/organizations/{id}") { Content = JsonContent.Create(TestData.Organization("Second writer")) };
        second.Headers.TryAddWithoutValidation("If-Match", etag);

        var r1 = await Client.SendAsync(first);
        var r2 = await Client.SendAsync(second);

        Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
        await Problem.AssertAsync(r2, HttpStatusCode.PreconditionFailed, "PRECONDITION_FAILED");
        var stored = await Client.GetFromJsonAsync<JsonElement>($"/api/organizations/{id}");
        Assert.Equal("First writer", stored.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Put_IdInBodyDiffersFromUrl_Returns400AndKeepsRecord()
    {
        var id = await TestData.CreateOrganizationAsync(Client, "Original");
        var doc = TestData.Organization("Other");
        doc["id"] = Guid.NewGuid();

        var response = await Client.PutAsJsonAsync($"/api/organizations/{id}", doc);

        var body = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(["id"], Problem.Fields(body));
        var stored = await Client.GetFromJsonAsync<JsonElement>($"/api/organizations/{id}");
        Assert.Equal("Original", stored.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Post_ExistingId_Returns409()
    {
        var id = await TestData.CreateOrganizationAsync(Client, "Original");
        var doc = TestData.Organization("Duplicate");
        doc["id"] = id;

        var response = await Client.PostAsJsonAsync("/api/organizations", doc);

        await Problem.AssertAsync(response, HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
    public async Task Delete_ExistingId_Returns204AndRemovesIt()
    {
        var id = await TestData.CreateOrganizationAsync(Client, "Short-lived");

        var response = await Client.DeleteAsync($"/api/organizations/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await Problem.AssertAsync(await Client.GetAsync($"/api/organizations/{id}"), HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Delete_UnknownId_Returns404()
    {
        var response = await Client.DeleteAsync($"/api/organizations/{Guid.NewGuid()}");

        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Delete_StaleIfMatch_Returns412AndKeepsRecord()
    {
        var id = await TestData.CreateOrganizationAsync(Client, "Guarded");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/organizations/{id}");
        request.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");

        var response = await Client.SendAsync(request);

        await Problem.AssertAsync(response, HttpStatusCode.PreconditionFailed, "PRECONDITION_FAILED");
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/organizations/{id}")).StatusCode);
    }

    [Fact]
    public async Task Delete_WithServices_Returns409InUseAndDeletesNothing()
    {
        var id = await TestData.CreateOrganizationAsync(Client, "Busy");
        var service = await TestData.CreateServiceAsync(Client, TestData.Service(id));
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.DeleteAsync($"/api/organizations/{id}");

        var body = await Problem.AssertAsync(response, HttpStatusCode.Conflict, "IN_USE");
        Assert.Contains("1 service", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/organizations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/services/{service.GetProperty("id").GetGuid()}")).StatusCode);
    }

    private static readonly Dictionary<string, (string Json, string Field)> InvalidDocuments = new()
    {
        ["name missing"] = ("""{"description":"No name"}""", "name"),
        ["name blank"] = ("""{"name":"  "}""", "name"),
        ["name null"] = ("""{"name":null}""", "name"),
        ["name longer than 300"] = ($$"""{"name":"{{new string('n', 301)}}"}""", "name"),
        ["name with a control character"] = ("""{"name":"Bell\u0007"}""", "name"),
        ["year_incorporated before 1800"] = ("""{"name":"Old","year_incorporated":1799}""", "year_incorporated"),
        ["year_incorporated after 2200"] = ("""{"name":"Future","year_incorporated":2201}""", "year_incorporated"),
        ["year_incorporated negative"] = ("""{"name":"Negative","year_incorporated":-1}""", "year_incorporated"),
        ["email without @"] = ("""{"name":"Org","email":"info.example.org"}""", "email"),
        ["email with a space"] = ("""{"name":"Org","email":"info @example.org"}""", "email"),
        ["website not a URL"] = ("""{"name":"Org","website":"example"}""", "website"),
        ["website not http"] = ("""{"name":"Org","website":"ftp://example.org"}""", "website"),
        ["website javascript"] = ("""{"name":"Org","website":"javascript:alert(1)"}""", "website"),
        ["description longer than 10,000"] = ($$"""{"name":"Org","description":"{{new string('d', 10_001)}}"}""", "description"),
    };

    public static TheoryData<string> InvalidDocumentNames => [.. InvalidDocuments.Keys];

    [Theory]
    [MemberData(nameof(InvalidDocumentNames))]
    public async Task Create_InvalidDocument_Returns400WithFieldKeyAndWritesNothing(string rule)
    {
        var (json, field) = InvalidDocuments[rule];
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PostAsync("/api/organizations", new StringContent(json, Encoding.UTF8, "application/json"));

        var body = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal([field], Problem.Fields(body));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Fact]
    public async Task Put_InvalidDocumentOnExistingId_Returns400AndKeepsRecord()
    {
        var id = await TestData.CreateOrganizationAsync(Client, "Kept");
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var response = await Client.PutAsJsonAsync($"/api/organizations/{id}", new JsonObject { ["name"] = "Changed", ["year_incorporated"] = 1500 });

        var body = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(["year_incorporated"], Problem.Fields(body));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Theory]
    [InlineData("{\"name\": \"Truncated")]
    [InlineData("{\"name\": \"Org\", \"year_incorporated\": \"nineteen\"}")]
    [InlineData("[{\"name\": \"Org\"}]")]
    [InlineData("")]
    public async Task Create_MalformedJson_Returns400MalformedJson(string json)
    {
        var response = await Client.PostAsync("/api/organizations", new StringContent(json, Encoding.UTF8, "application/json"));

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "MALFORMED_JSON");
    }

    [Fact]
    public async Task Create_TextPlainBody_Returns415()
    {
        var response = await Client.PostAsync("/api/organizations", new StringContent("{\"name\": \"Org\"}", Encoding.UTF8, "text/plain"));

        await Problem.AssertAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task Create_BodyOver1MiB_Returns413()
    {
        var json = $$"""{"name":"Org","description":"{{new string('d', 1024 * 1024)}}"}""";

        var response = await Client.PostAsync("/api/organizations", new StringContent(json, Encoding.UTF8, "application/json"));

        await Problem.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }
}
