using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.GraphQL;

/// <summary>The GraphiQL page: served from local files only, and helpful when GraphiQL was not built (no npm).</summary>
public sealed partial class GraphiQLTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task GraphiQL_WithoutTrailingSlash_RedirectsToThePage()
    {
        using var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/graphiql");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/graphiql/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task GraphiQL_Page_LoadsOnlyLocalFilesAndExplainsHowToInstall()
    {
        var response = await Client.GetAsync("/graphiql/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var urls = ResourceUrl().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.Contains("../lib/graphiql/graphiql.js", urls);
        Assert.All(urls, url => Assert.DoesNotContain("//", url, StringComparison.Ordinal));
        Assert.Contains("apt-get install nodejs npm", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GraphiQL_Bundle_IsServedWhenItWasBuilt()
    {
        var bundle = Path.Combine(ReferralApiFactory.SeedFolder(), "..", "src", "Referral.Api", "wwwroot", "lib", "graphiql", "graphiql.js");

        var response = await Client.GetAsync("/lib/graphiql/graphiql.js");

        // Machines without npm build no bundle; the page then shows the install notice (previous test).
        Assert.Equal(File.Exists(bundle) ? HttpStatusCode.OK : HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GraphiQL_PathOutsideItsFolder_IsNotServed()
    {
        var response = await Client.GetAsync("/graphiql/..%2F..%2Fappsettings.json");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [GeneratedRegex("(?:src|href)=\"(?<url>[^\"]+)\"")]
    private static partial Regex ResourceUrl();
}
