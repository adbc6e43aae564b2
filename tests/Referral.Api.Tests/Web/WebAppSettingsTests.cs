using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Playwright;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Web;

/// <summary>
/// The web app under other deployments than the tests' default: a build without Node.js (no bundle: the page says what to
/// install), and the optional online basemap (<c>WebApp__BasemapUrl</c>): absent, the page never leaves its origin; present,
/// the map's tile layer loads from it and the page's Content-Security-Policy lets those images in (and nothing else).
/// Each deployment is an app of its own (own settings, own database); the browser is the web collection's Chromium.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class WebAppSettingsTests(WebAppFixture web)
{
    private const string Basemap = "https://tiles.example.org/{z}/{x}/{y}.png";

    // A 1×1 PNG: what the fake tile server answers (nothing leaves this machine: the route fulfils every tile request).
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==");

    [Fact]
    public async Task WithoutTheBundle_ThePageSaysWhatToInstall()
    {
        // A build without Node.js has no wwwroot/lib/app/app.js: an empty web root is that build (its provider replaced too:
        // in Development the static web assets manifest would still add the project's own wwwroot).
        var root = Directory.CreateTempSubdirectory("referral-webroot").FullName;
        var app = new ReferralApiFactory();
        await ((IAsyncLifetime)app).InitializeAsync();
        try
        {
            using var built = app.WithWebHostBuilder(b => b.UseWebRoot(root).ConfigureServices((context, _) =>
                context.HostingEnvironment.WebRootFileProvider = new PhysicalFileProvider(root)));
            foreach (var path in new[] { "/", "/find?lat=10.6&lng=-85.4", "/gaps/0194a0c2-1111-7000-8000-000000000001" })
            {
                var response = await built.CreateClient().GetAsync(path);
                var html = await response.Content.ReadAsStringAsync();

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
                Assert.Contains("not installed", html, StringComparison.Ordinal);
                Assert.Contains("Node.js", html, StringComparison.Ordinal);
                Assert.Contains("apt-get install nodejs npm", html, StringComparison.Ordinal);
                Assert.Contains("dotnet build", html, StringComparison.Ordinal);
                Assert.DoesNotContain("/lib/app/app.js", html, StringComparison.Ordinal);
                Assert.Contains("default-src 'self'", string.Join(' ', response.Headers.GetValues("Content-Security-Policy")));
            }
            Assert.Equal(HttpStatusCode.NotFound, (await built.CreateClient().GetAsync("/lib/app/app.js")).StatusCode);
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public async Task WithoutBasemapSetting_TheMapHasNoTileLayer_AndNoRequestLeavesTheOrigin()
    {
        await using var p = await web.NewPageAsync();

        var response = await p.Page.GotoAsync("/find?lat=10.63504&lng=-85.43772&needs=police");
        await p.Page.Locator("#results[aria-busy='false'] article.card").First.WaitForAsync();
        await p.Page.Locator("#map path.leaflet-interactive, #map .leaflet-marker-icon").First.WaitForAsync();

        Assert.DoesNotContain("img-src 'self' data: http", response!.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("", await p.Page.Locator("meta[name='referral-basemap']").GetAttributeAsync("content"));
        Assert.Equal(0, await p.Page.Locator("#map img.leaflet-tile").CountAsync());
        Assert.True(await p.Page.Locator("#map.offline-basemap").IsVisibleAsync());
        FindHelpTests.AssertSameOrigin(p);
    }

    [Fact]
    public async Task WithBasemapSetting_TheTileLayerLoadsFromIt_AndTheCspAllowsOnlyThoseImages()
    {
        var app = new ReferralApiFactory { RealServer = true, Settings = { ["WebApp:BasemapUrl"] = Basemap } };
        await ((IAsyncLifetime)app).InitializeAsync();
        try
        {
            var context = await web.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = app.ServerAddress.ToString(),
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
                ServiceWorkers = ServiceWorkerPolicy.Block,
            });
            await using var p = new WebPage(context, await context.NewPageAsync());
            var tiles = new List<string>();
            await p.Page.RouteAsync("https://tiles.example.org/**", async route =>
            {
                lock (tiles)
                {
                    tiles.Add(route.Request.Url);
                }
                await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "image/png", BodyBytes = Png });
            });

            var response = await p.Page.GotoAsync("/find?lat=10.63504&lng=-85.43772");
            await p.Page.Locator("#map img.leaflet-tile-loaded").First.WaitForAsync();

            var csp = response!.Headers["content-security-policy"];
            Assert.Contains("img-src 'self' data: https://tiles.example.org;", csp, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self';", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
            Assert.Equal(Basemap, await p.Page.Locator("meta[name='referral-basemap']").GetAttributeAsync("content"));
            Assert.False(await p.Page.Locator("#map.offline-basemap").IsVisibleAsync());
            Assert.NotEmpty(tiles);
            Assert.All(tiles, url => Assert.Matches(@"^https://tiles\.example\.org/\d+/\d+/\d+\.png$", url));
            var origin = app.ServerAddress.GetLeftPart(UriPartial.Authority);
            Assert.All(p.Requests, url => Assert.True(url.StartsWith(origin + "/", StringComparison.Ordinal)
                || url.StartsWith("https://tiles.example.org/", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal),
                $"request to neither the origin nor the basemap: {url}"));
            Assert.DoesNotContain(p.Errors, e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }
}
