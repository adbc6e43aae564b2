using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>
/// Issue 11 item 12: a made-up <c>Host</c> (or X-Forwarded-Host) header never ends up in an absolute link — the HSDS
/// root's <c>openapi_url</c>, the OGC API links, the TileJSON tile URLs — so a cache or a crawler cannot be made to hand
/// out links to another site. <c>PublicUrl:BaseUrl</c> names the real one.
/// </summary>
public sealed class PublicLinksTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static readonly string[] LinkRoutes = ["/api", "/ogc", "/ogc/collections", "/tiles/services.json"];

    private static async Task<string> GetAsync(HttpClient client, string url, string? host = null, string? forwardedHost = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        if (forwardedHost is not null)
        {
            request.Headers.Add("X-Forwarded-Host", forwardedHost);
            request.Headers.Add("X-Forwarded-Proto", "https");
        }
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        return body;
    }

    [Fact]
    public async Task MadeUpHost_IsNotReflectedIntoAnyLink()
    {
        foreach (var route in LinkRoutes)
        {
            var body = await GetAsync(Public, route, host: "evil.example");

            Assert.DoesNotContain("evil.example", body, StringComparison.OrdinalIgnoreCase);
        }
        var root = JsonDocument.Parse(await GetAsync(Public, "/api", host: "evil.example")).RootElement;
        Assert.Equal("/swagger/v1/swagger.json", root.GetProperty("openapi_url").GetString());
    }

    [Fact]
    public async Task ForwardedHost_IsIgnored_UnlessForwardedHeadersAreConfigured()
    {
        foreach (var route in LinkRoutes)
        {
            var body = await GetAsync(Public, route, forwardedHost: "evil.example");

            Assert.DoesNotContain("evil.example", body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Loopback_KeepsAbsoluteLinksForDevelopers()
    {
        var root = await Public.GetFromJsonAsync<JsonElement>("/api");

        Assert.Equal("http://localhost/swagger/v1/swagger.json", root.GetProperty("openapi_url").GetString());
    }

    [Fact]
    public async Task ConfiguredBaseUrl_IsUsedForEveryLink_WhateverTheHost()
    {
        using var configured = new ReferralApiFactory { Settings = { ["PublicUrl:BaseUrl"] = "https://referral.example.org/directory/" } };
        await ((IAsyncLifetime)configured).InitializeAsync();
        try
        {
            using var client = configured.CreateClient();

            var root = JsonDocument.Parse(await GetAsync(client, "/api", host: "evil.example")).RootElement;
            var tiles = await GetAsync(client, "/tiles/services.json", host: "evil.example");

            Assert.Equal("https://referral.example.org/directory/swagger/v1/swagger.json", root.GetProperty("openapi_url").GetString());
            Assert.Contains("https://referral.example.org/directory/tiles/services/", tiles, StringComparison.Ordinal);
            Assert.DoesNotContain("evil.example", tiles, StringComparison.Ordinal);
        }
        finally
        {
            await ((IAsyncLifetime)configured).DisposeAsync();
        }
    }
}
