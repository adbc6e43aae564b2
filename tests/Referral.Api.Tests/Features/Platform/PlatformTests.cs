using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>Discovery, OpenAPI, health, CORS and error shapes: what every client relies on.</summary>
public sealed class PlatformTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task Discovery_DescribesHsdsVersionAndOpenApi()
    {
        var body = await Client.GetFromJsonAsync<JsonElement>("/api");

        Assert.Equal("3.1", body.GetProperty("version").GetString());
        Assert.StartsWith("https://", body.GetProperty("profile").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("/swagger/v1/swagger.json", body.GetProperty("openapi_url").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_BuildsAndUsesTheApiSnakeCaseNames()
    {
        var text = await Client.GetStringAsync("/swagger/v1/swagger.json");
        var doc = JsonDocument.Parse(text).RootElement;

        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/services/{id}", out _));
        Assert.Contains("\"per_page\"", text, StringComparison.Ordinal);
        Assert.Contains("\"service_at_locations\"", text, StringComparison.Ordinal);
        Assert.Contains("\"address_1\"", text, StringComparison.Ordinal);
        Assert.Contains("\"available_24_7\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"perPage\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"serviceAtLocations\"", text, StringComparison.Ordinal);
        var ops = doc.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Select(o => o.Value.GetProperty("operationId").GetString()).ToList();
        Assert.Contains("CreateService", ops);
        Assert.Equal(ops.Count, ops.Distinct().Count());
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/swagger/index.html")).StatusCode);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_IsHealthyWithDatabaseAndPostGis(string path)
    {
        var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cors_PublicReadsAllowAnyOrigin_WritesDoNot()
    {
        using var read = new HttpRequestMessage(HttpMethod.Get, "/api/services");
        read.Headers.Add("Origin", "https://helpline-app.example");
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/services");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");

        var readResponse = await Client.SendAsync(read);
        var preflightResponse = await Client.SendAsync(preflight);

        Assert.Equal("*", readResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(preflightResponse.Headers.Contains("Access-Control-Allow-Origin") &&
            preflightResponse.Headers.TryGetValues("Access-Control-Allow-Methods", out var methods) && methods.Any(m => m.Contains("POST", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task UnknownRoute_Returns404ProblemWithCode()
    {
        var response = await Client.GetAsync("/api/nothing-here");

        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task WrongMethod_Returns405ProblemWithCode()
    {
        var response = await Client.PatchAsync("/api/services", new StringContent("{}"));

        await Problem.AssertAsync(response, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }
}
