using System.Net;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>Security review, item 12 (headers): every answer — data, errors, GraphQL, exports — is not sniffed, not framed, sends no referrer.</summary>
public sealed class SecurityHeadersTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Theory]
    [InlineData("/api/services", HttpStatusCode.OK)]
    [InlineData("/api/nearest?lat=9.93&lng=-84.08", HttpStatusCode.OK)]
    [InlineData("/api/nearest?lat=91&lng=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/no-such-route", HttpStatusCode.NotFound)]
    [InlineData("/api/exports/csv", HttpStatusCode.OK)]
    [InlineData("/graphql?query=%7B__typename%7D", HttpStatusCode.OK)]
    public async Task AnyAnswer_CarriesNoSniffNoFrameNoReferrer(string url, HttpStatusCode status)
    {
        var response = await Client.GetAsync(url);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Theory]
    [InlineData("/swagger/index.html")]
    [InlineData("/graphiql/")]
    public async Task DeveloperPages_HaveAContentSecurityPolicy_WithNoInlineOrForeignScript(string url)
    {
        var response = await Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        // The page itself obeys it: no inline script and no inline event handler (they would not run).
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)[^>]*>", html);
        Assert.DoesNotMatch(@"\son[a-z]+\s*=", html);
    }

    [Theory]
    [InlineData("/api/services")]
    [InlineData("/api/no-such-route")]
    [InlineData("/api/exports/csv")]
    public async Task DataAnswers_MayRunNothingIfOpenedAsADocument(string url)
    {
        var response = await Client.GetAsync(url);

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
    }
}
