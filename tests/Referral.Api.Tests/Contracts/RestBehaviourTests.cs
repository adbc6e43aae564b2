using System.IO.Compression;
using System.Net;
using System.Text.Json;
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
}
