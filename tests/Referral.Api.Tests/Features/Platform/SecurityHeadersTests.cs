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
}
