using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Referral.Api.Tests.Web;

/// <summary>The page itself: routes and headers, languages, accessibility (axe-core), screenshots.</summary>
[Collection(WebCollection.Name)]
public sealed partial class WebAppTests(WebAppFixture web)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/find?lat=10.6&lng=-85.4")]
    [InlineData("/gaps")]
    [InlineData("/gaps/0194a0c2-1111-7000-8000-000000000001")]
    public async Task Page_AtAppRoutes_IsTheAppWithAStrictCsp(string path)
    {
        var response = await web.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/lib/app/app.js", await response.Content.ReadAsStringAsync());
        var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/find/more")]
    [InlineData("/gaps/not-an-id")]
    [InlineData("/api/nope")]
    [InlineData("/lib/app/nope.js")]
    public async Task UnknownPath_StaysAProblemDetails404(string path)
    {
        var response = await web.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bundle_IsServedCompressedWhenAccepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/lib/app/app.js");
        request.Headers.AcceptEncoding.ParseAdd("br");

        var response = await web.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("br", Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task FirstView_TransfersAtMostOneMegabyteCompressed()
    {
        await using var p = await web.NewPageAsync();

        await p.Page.GotoAsync("/", new() { WaitUntil = WaitUntilState.NetworkIdle });

        // Bytes on the wire (headers and compressed bodies) of the page and everything it loaded, as the browser counts them.
        var total = await p.Page.EvaluateAsync<double>(
            "() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].reduce((n, e) => n + e.transferSize, 0)");
        Assert.InRange(total, 50_000, 1_000_000);
    }

    [Theory]
    [InlineData("es")]
    [InlineData("pt")]
    [InlineData("fr")]
    public async Task LanguageSwitch_ChangesEveryVisibleString(string language)
    {
        await using var p = await web.NewPageAsync();
        await FindHelpTests.SearchLiberiaAsync(p.Page, "Specialised police unit", "Health care");
        var english = await VisibleTextAsync(p.Page);

        await p.Page.GetByLabel("Language", new() { Exact = true }).SelectOptionAsync(language);
        await p.Page.Locator($"html[lang='{language}']").WaitForAsync();

        var translated = await VisibleTextAsync(p.Page);
        var leftovers = EnglishOnlyStrings(language).Where(s => english.Contains(s, StringComparison.Ordinal) && translated.Contains(s, StringComparison.Ordinal)).ToList();
        Assert.True(leftovers.Count == 0, $"still in English after switching to {language}: {string.Join(" | ", leftovers)}");
        Assert.NotEqual(english, translated);
        // Category labels come from the API in the chosen language.
        Assert.DoesNotContain("Specialised police unit", translated);

        await p.Page.GetByRole(AriaRole.Link, new() { Name = Messages(language)["nav.gaps"] }).ClickAsync();
        await p.Page.Locator("body[data-ready='gaps']").WaitForAsync();
        var gaps = await VisibleTextAsync(p.Page);
        Assert.DoesNotContain("Where is help missing?", gaps);
        Assert.Contains(Messages(language)["gaps.heading"], gaps);
    }

    [Fact]
    public async Task Language_FollowsTheBrowser()
    {
        await using var p = await web.NewPageAsync(locale: "pt-BR");

        await p.Page.GotoAsync("/");
        await p.Page.Locator("body[data-ready='find']").WaitForAsync();

        Assert.Equal("pt", await p.Page.GetAttributeAsync("html", "lang"));
        Assert.True(await p.Page.GetByRole(AriaRole.Heading, new() { Name = "Encontrar ajuda perto de um local" }).IsVisibleAsync());
    }

    [Fact]
    public async Task Axe_FindView_WithResults_HasNoSeriousViolations()
    {
        await using var p = await web.NewPageAsync();
        await FindHelpTests.SearchLiberiaAsync(p.Page);

        await AssertAccessibleAsync(p.Page);
    }

    [Fact]
    public async Task Axe_FindView_OnAPhone_HasNoSeriousViolations()
    {
        await using var p = await web.NewPageAsync(390, 844);
        await FindHelpTests.SearchLiberiaAsync(p.Page, "Specialised police unit");

        await AssertAccessibleAsync(p.Page);
    }

    [Fact]
    public async Task Axe_GapsView_WithResults_HasNoSeriousViolations()
    {
        await using var p = await web.NewPageAsync();
        await GapsViewTests.RunAnalysisAsync(web, p.Page);

        await AssertAccessibleAsync(p.Page);
    }

    [Fact]
    public async Task Screenshots_EachViewOnDesktopAndPhone()
    {
        // Each view renders on both viewports (the README's pictures come from the full demo seed: scripts/screenshots.sh).
        var folder = Directory.CreateTempSubdirectory("referral-screens").FullName;
        foreach (var (name, width, height) in new[] { ("desktop", 1280, 860), ("phone", 390, 844) })
        {
            await using var p = await web.NewPageAsync(width, height);
            await FindHelpTests.SearchLiberiaAsync(p.Page, "Specialised police unit", "Health care", "Safe shelter");
            await p.Page.EvaluateAsync("() => { document.querySelector('.panel').scrollTo(0, 0); window.scrollTo(0, 0); }");
            await p.Page.WaitForTimeoutAsync(500);
            var find = Path.Combine(folder, $"webapp-find-{name}.png");
            await p.Page.ScreenshotAsync(new() { Path = find, FullPage = name == "phone" });
            await GapsViewTests.RunAnalysisAsync(web, p.Page);
            await p.Page.EvaluateAsync("() => { document.querySelector('.panel').scrollTo(0, 0); window.scrollTo(0, 0); }");
            await p.Page.WaitForTimeoutAsync(500);
            Assert.True(await p.Page.EvaluateAsync<bool>($"() => document.documentElement.scrollWidth <= {width}"), $"the planner view scrolls sideways at {width} px");
            var gaps = Path.Combine(folder, $"webapp-gaps-{name}.png");
            await p.Page.ScreenshotAsync(new() { Path = gaps, FullPage = name == "phone" });
            Assert.True(new FileInfo(find).Length > 10_000 && new FileInfo(gaps).Length > 10_000);
        }
    }

    private static async Task AssertAccessibleAsync(IPage page)
    {
        var axe = Path.Combine(WebAppFixture.RepositoryRoot(), "node_modules", "axe-core", "axe.min.js");
        Assert.True(File.Exists(axe), $"axe-core is missing ({axe}): run npm ci at the repository root (the build does it).");
        // Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) does not block it.
        await page.EvaluateAsync(await File.ReadAllTextAsync(axe));
        var result = await page.EvaluateAsync<JsonElement>(
            "async () => { const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });" +
            " return r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) })); }");
        var serious = result.EnumerateArray().Where(v => v.GetProperty("impact").GetString() is "serious" or "critical").Select(v => v.ToString()).ToList();
        Assert.True(serious.Count == 0, "axe-core: " + string.Join("\n", serious));
    }

    private static async Task<string> VisibleTextAsync(IPage page) => await page.EvaluateAsync<string>(
        "() => document.body.innerText + '\\n' + [...document.querySelectorAll('[aria-label], input[placeholder], option')].map(e => e.getAttribute('aria-label') ?? e.textContent).join('\\n')");

    private static Dictionary<string, string> Messages(string language) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(
            File.ReadAllText(Path.Combine(WebAppFixture.RepositoryRoot(), "web", "messages", $"{language}.json")))!;

    /// <summary>The fixed pieces of each English message (around its {placeholders}) that the other language says differently.</summary>
    private static IEnumerable<string> EnglishOnlyStrings(string language)
    {
        var en = Messages("en");
        var other = Messages(language);
        return en.Where(kv => other[kv.Key] != kv.Value)
            .SelectMany(kv => Placeholder().Split(kv.Value))
            .Select(s => s.Trim(' ', ':', '(', ')', '.', ',', ';'))
            .Where(s => s.Length >= 5 && !other.Values.Any(v => v.Contains(s, StringComparison.Ordinal))
                && !LanguageNames.Contains(s)) // the switcher names each language in that language
            .Distinct();
    }

    private static readonly HashSet<string> LanguageNames = ["English", "Español", "Português", "Français"];

    [GeneratedRegex(@"\{\w+\}")]
    private static partial Regex Placeholder();
}
