using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Contracts;

/// <summary>How the REST API answers what clients send: binding errors in our words, compressed bodies.</summary>
public sealed class RestBehaviourTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Theory]
    [InlineData("/api/nearest?lat=abc&lng=-84.08", "lat", "must be a number")]
    [InlineData("/api/referral?lat=9.93&lng=-84.08&age=thirteen", "age", "must be a whole number")]
    [InlineData("/api/services?per_page=many", "per_page", "must be a whole number")]
    [InlineData("/api/nearest?lat=9.93&lng=-84.08&open_now=maybe", "open_now", "must be true or false")]
    public async Task BindingErrors_AreFieldKeyedValidationFailures(string url, string field, string message)
    {
        var response = await Public.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("VALIDATION_FAILED", body.GetProperty("code").GetString());
        var text = body.GetProperty("errors").GetProperty(field)[0].GetString()!;
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Nullable", body.GetRawText(), StringComparison.Ordinal);
        Assert.True(body.TryGetProperty("trace_id", out _));
    }

    [Theory]
    [InlineData("br", "/api/services?per_page=20", "application/json")]
    [InlineData("gzip", "/api/services?per_page=20", "application/json")]
    [InlineData("br", "/api/exports/geojson", "application/geo+json")]
    [InlineData("gzip", "/api/exports/csv", "text/csv")]
    [InlineData("gzip", "/api/nearest?lat=95&lng=0", "application/problem+json")]
    public async Task Responses_AreCompressedWhenTheClientAsks(string encoding, string url, string mediaType)
    {
        var organizationId = await TestData.CreateOrganizationAsync(Client);
        for (var i = 0; i < 3; i++)
        {
            await TestData.CreateServiceAsync(Client, TestData.Service(organizationId, $"Compressed service {i}", 9.93 + i * 0.01, -84.08));
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.AcceptEncoding.ParseAdd(encoding);

        var response = await Public.SendAsync(request);

        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(encoding, Assert.Single(response.Content.Headers.ContentEncoding));
        await using var raw = await response.Content.ReadAsStreamAsync();
        await using Stream decoded = encoding == "br" ? new BrotliStream(raw, CompressionMode.Decompress) : new GZipStream(raw, CompressionMode.Decompress);
        var text = await new StreamReader(decoded).ReadToEndAsync();
        if (mediaType != "text/csv")
        {
            JsonDocument.Parse(text);
        }
        else
        {
            Assert.Contains("Compressed service 0", text, StringComparison.Ordinal);
        }

        // Without Accept-Encoding the body is plain.
        var plain = await Public.GetAsync(url);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
    }

    /// <summary>An unknown parameter is refused, naming it, with the closest known name (GraphQL's plural for REST's singular).</summary>
    [Theory]
    [InlineData("/api/nearest?lat=9.93&lng=-84.08&categories=shelter", "categories", "did you mean 'category'?")]
    [InlineData("/api/referral?lat=9.93&lng=-84.08&need=police", "need", "did you mean 'needs'?")]
    [InlineData("/api/services?perpage=5", "perpage", "did you mean 'per_page'?")]
    [InlineData("/api/regions?colour=red", "colour", "unknown parameter; this endpoint takes:")]
    [InlineData("/api/organizations?full_service=true", "full_service", "is an HSDS 3.1 API parameter that this endpoint does not support")]
    [InlineData("/api/taxonomies?modified_after=2026-01-01T00:00:00Z", "modified_after", "is an HSDS 3.1 API parameter")]
    public async Task UnknownQueryParameters_AreValidationFailuresNamingThem(string url, string field, string message)
    {
        var response = await Public.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("VALIDATION_FAILED", body.GetProperty("code").GetString());
        Assert.Contains(message, body.GetProperty("errors").GetProperty(field)[0].GetString()!, StringComparison.Ordinal);
    }

    /// <summary>What the web app, HSDS validators, OGC clients, Swagger UI and GraphQL GET send keeps working.</summary>
    [Theory]
    [InlineData("/api/nearest?lat=9.93&lng=-84.08&category=police&limit=3&max_distance_m=50000&open_now=false")]
    [InlineData("/api/referral?lat=9.93&lng=-84.08&age=12&gender=female&language=es&platform=tiktok&needs=police,health")]
    [InlineData("/api/regions?level=0&with_geometry=true&simplify=0.01")]
    [InlineData("/api/taxonomies?per_page=100")]
    [InlineData("/api/taxonomy_terms?per_page=100&top_only=true")]
    [InlineData("/api/places?q=San&per_page=8")]
    [InlineData("/api/services?search=police&page=1&per_page=5&modified_after=2020-01-01T00:00:00Z&format=json")]
    [InlineData("/api/services?PER_PAGE=5")]
    [InlineData("/api/service_at_locations?lat=9.93&lng=-84.08&proximity=1000&per_page=5")]
    [InlineData("/api/organizations?search=x&page=1&per_page=5")]
    [InlineData("/ogc/collections/services/items?f=json&bbox=-85,9,-83,11&limit=2")]
    [InlineData("/swagger/v1/swagger.json?anything=1")]
    [InlineData("/graphql?query=%7B__typename%7D")]
    public async Task KnownQueryParameters_AndOtherSurfaces_StillWork(string url)
    {
        var response = await Public.GetAsync(url);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The allow-list is read from each handler, so it matches what the OpenAPI document says each operation takes.</summary>
    [Fact]
    public async Task EveryDocumentedQueryParameter_IsAccepted_AndNothingElse()
    {
        var document = JsonDocument.Parse(await Public.GetStringAsync("/swagger/v1/swagger.json")).RootElement;
        var endpoints = Factory.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .ToList();
        var checkedOperations = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete"))
            {
                var documented = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList()
                    : [];
                var endpoint = endpoints.Single(e => Template(e.RoutePattern.RawText!) == path.Name
                    && e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Contains(operation.Name.ToUpperInvariant()));
                var accepted = Referral.Api.Infrastructure.KnownQueryParameters.Of(endpoint);
                Assert.NotNull(accepted);
                Assert.True(documented.SequenceEqual(accepted!.Order(StringComparer.Ordinal), StringComparer.OrdinalIgnoreCase),
                    $"{operation.Name} {path.Name}: documented [{string.Join(", ", documented)}], accepted [{string.Join(", ", accepted!)}]");
                checkedOperations++;
            }
        }
        Assert.True(checkedOperations > 30, $"only {checkedOperations} operations checked");
    }

    /// <summary>/api/services/{id:guid} → /api/services/{id} as in the OpenAPI document.</summary>
    private static string Template(string raw) => System.Text.RegularExpressions.Regex.Replace(
        raw.TrimEnd('/').Length == 0 ? "/" : raw.TrimEnd('/'), @"\{([^}:?=]+)[^}]*\}", "{$1}");
}
