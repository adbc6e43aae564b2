using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Referral.Api.Tests.Web;

/// <summary>The caseworker's journey in Chromium: a town, the child's age and needs → the same referral card as the API.</summary>
[Collection(WebCollection.Name)]
public sealed class FindHelpTests(WebAppFixture web)
{
    private const double LiberiaLat = 10.63504;
    private const double LiberiaLng = -85.43772;

    /// <summary>Types a town into the search box, picks it with the keyboard, sets age 13 and the needs, and searches.</summary>
    internal static async Task SearchLiberiaAsync(IPage page, params string[] needs)
    {
        await page.GotoAsync("/");
        await page.Locator("body[data-ready='find']").WaitForAsync();
        await page.GetByLabel("Age", new() { Exact = true }).FillAsync("13");
        foreach (var need in needs)
        {
            await page.GetByRole(AriaRole.Checkbox, new() { Name = need, Exact = true }).CheckAsync();
        }
        var place = page.GetByRole(AriaRole.Combobox, new() { Name = "Town or place", Exact = true });
        await place.FillAsync("Liber");
        await page.GetByRole(AriaRole.Option, new() { Name = "Liberia" }).WaitForAsync();
        await place.PressAsync("ArrowDown");
        await place.PressAsync("Enter"); // choosing a town searches at once
        await page.Locator("#results[aria-busy='false'] article.card").First.WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Find help", Exact = true }).ClickAsync();
        await page.Locator("#results[aria-busy='false']").WaitForAsync();
        await page.Locator("#find-status", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("services found") }).WaitForAsync();
    }

    [Fact]
    public async Task Search_TownAgeAndNeeds_ShowsTheApiReferralCardWithTelLinks()
    {
        await using var p = await web.NewPageAsync();

        await SearchLiberiaAsync(p.Page, "Specialised police unit", "Health care", "Child helpline");

        var api = await web.Http.GetFromJsonAsync<JsonElement>(FormattableString.Invariant(
            $"/api/referral?lat={LiberiaLat}&lng={LiberiaLng}&age=13&needs=police,health,helpline"));
        foreach (var category in api.GetProperty("categories").EnumerateArray())
        {
            var code = category.GetProperty("category").GetString();
            // Nulls are omitted (HSDS): a need without any option has no "best".
            var expected = (category.TryGetProperty("best", out var best) ? [best] : Array.Empty<JsonElement>())
                .Concat(category.GetProperty("alternatives").EnumerateArray()).ToList();
            var cards = p.Page.Locator($"section.need[data-category='{code}'] article.card");
            Assert.Equal(expected.Count, await cards.CountAsync());
            for (var i = 0; i < expected.Count; i++)
            {
                var card = cards.Nth(i);
                Assert.Equal(expected[i].GetProperty("service").GetProperty("name").GetString(), await card.Locator("h4").TextContentAsync());
                var metres = expected[i].GetProperty("distance_m").GetDouble();
                Assert.Equal("Distance: " + (metres / 1000).ToString(metres >= 100_000 ? "0" : "0.0", CultureInfo.InvariantCulture) + " km",
                    await card.Locator(".distance").TextContentAsync());
                Assert.Equal(metres, double.Parse((await card.GetAttributeAsync("data-distance-m"))!, CultureInfo.InvariantCulture), 3);
            }
        }
        Assert.Equal(WebDemo.PoliceLiberia, await p.Page.Locator("section.need[data-category='police'] article.card.best h4").TextContentAsync());
        Assert.Equal("tel:+50600000101", await p.Page.GetByRole(AriaRole.Link, new() { Name = "+50600000101" }).GetAttributeAsync("href"));
        // The remote channels (the helpline serves all of Costa Rica) come first, the stale clinic carries its warning, and the
        // URL is a deep link to the same card.
        Assert.NotEmpty(api.GetProperty("remote").EnumerateArray());
        Assert.Equal(WebDemo.Helpline, await p.Page.Locator("section.group").First.Locator("article.card h4").First.TextContentAsync());
        Assert.Contains("not been verified", await p.Page.Locator("section.need[data-category='health'] article.card").First.TextContentAsync());
        Assert.Contains("lat=10.63504", p.Page.Url);
        Assert.Contains("age=13", p.Page.Url);
        AssertSameOrigin(p);
    }

    [Fact]
    public async Task Print_ReferralSheet_HidesFormAndMapKeepsCardsAndPhones()
    {
        await using var p = await web.NewPageAsync();
        await SearchLiberiaAsync(p.Page);

        await p.Page.EmulateMediaAsync(new() { Media = Media.Print });

        Assert.False(await p.Page.Locator("form.find-form").IsVisibleAsync());
        Assert.False(await p.Page.Locator("#map").IsVisibleAsync());
        Assert.False(await p.Page.Locator("header").IsVisibleAsync());
        Assert.True(await p.Page.Locator("article.card").First.IsVisibleAsync());
        Assert.True(await p.Page.GetByText("Printed from Referral").IsVisibleAsync());
        Assert.True(await p.Page.GetByRole(AriaRole.Link, new() { Name = "+50600000101" }).IsVisibleAsync());
    }

    [Fact]
    public async Task Map_ShowsPinsForPublicPlacesAndAnAreaForApproximateOnes()
    {
        await using var p = await web.NewPageAsync();

        await SearchLiberiaAsync(p.Page, "Safe shelter", "Specialised police unit");

        Assert.True(await p.Page.Locator("#map path.service-marker").CountAsync() >= 2);
        Assert.Equal(1, await p.Page.Locator("#map path.approximate-area").CountAsync());
        Assert.Contains("approximate area", await p.Page.Locator("section.need[data-category='shelter'] article.card").First.TextContentAsync());
    }

    [Fact]
    public async Task CopyAsText_PutsThePlainCardOnTheClipboard()
    {
        await using var p = await web.NewPageAsync();
        await p.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await SearchLiberiaAsync(p.Page, "Specialised police unit");

        await p.Page.GetByRole(AriaRole.Button, new() { Name = "Copy as text" }).ClickAsync();
        await p.Page.GetByText("Copied.").WaitForAsync();

        var text = await p.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.StartsWith("Referral card for Liberia (CR)", text);
        Assert.Matches($@"- {System.Text.RegularExpressions.Regex.Escape(WebDemo.PoliceLiberia)} \(\d+\.\d km\): \+50600000101", text);
        Assert.DoesNotContain("<", text);
    }

    [Fact]
    public async Task ServiceNamedLikeMarkup_RendersAsText()
    {
        const string Name = "<img src=x onerror=alert(1)>";
        var created = await Infrastructure.TestData.CreateServiceAsync(web.Admin, WebDemo.Service(web.Demo.OrganizationId, Name, 10.6330, -85.4380, "legal_aid", "+50600000199"));
        try
        {
            await using var p = await web.NewPageAsync();

            await SearchLiberiaAsync(p.Page, "Legal aid");

            Assert.Equal(Name, await p.Page.Locator("section.need[data-category='legal_aid'] article.card h4").First.TextContentAsync());
            Assert.Equal(0, await p.Page.Locator("img[src='x']").CountAsync());
            await p.Page.Locator("#map path.service-marker").First.HoverAsync(new() { Force = true });
            Assert.Empty(p.Dialogs);
            Assert.DoesNotContain(p.Requests, u => u.EndsWith("/x", StringComparison.Ordinal));
        }
        finally
        {
            (await web.Admin.DeleteAsync($"/api/services/{created.GetProperty("id").GetGuid()}")).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task Phone_390x844_SearchWorksWithoutSidewaysScrolling()
    {
        await using var p = await web.NewPageAsync(390, 844);

        await SearchLiberiaAsync(p.Page, "Specialised police unit");

        Assert.True(await p.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"));
        var map = await p.Page.Locator("#map").BoundingBoxAsync();
        Assert.NotNull(map);
        Assert.True(map.Height > 200 && map.Width <= 390);
        var call = await p.Page.GetByRole(AriaRole.Link, new() { Name = "+50600000101" }).BoundingBoxAsync();
        Assert.True(call is { Width: > 0 } && call.X + call.Width <= 390);
        AssertSameOrigin(p);
    }

    [Fact]
    public async Task DeepLink_FindWithCoordinates_ShowsTheCardWithoutTyping()
    {
        await using var p = await web.NewPageAsync();

        await p.Page.GotoAsync(FormattableString.Invariant($"/find?lat={LiberiaLat}&lng={LiberiaLng}&age=13&needs=police&place=Liberia&country=CR"));
        await p.Page.Locator("section.need[data-category='police'] article.card.best").WaitForAsync();

        Assert.Equal(WebDemo.PoliceLiberia, await p.Page.Locator("section.need[data-category='police'] article.card.best h4").TextContentAsync());
        Assert.Equal("13", await p.Page.GetByLabel("Age", new() { Exact = true }).InputValueAsync());
    }

    [Fact]
    public async Task UseMyLocation_SearchesFromTheBrowsersPosition()
    {
        await using var p = await web.NewPageAsync();
        await p.Context.GrantPermissionsAsync(["geolocation"]);
        await p.Context.SetGeolocationAsync(new() { Latitude = (float)LiberiaLat, Longitude = (float)LiberiaLng });
        await p.Page.GotoAsync("/");
        await p.Page.Locator("body[data-ready='find']").WaitForAsync();
        await p.Page.GetByRole(AriaRole.Checkbox, new() { Name = "Specialised police unit", Exact = true }).CheckAsync();

        await p.Page.GetByRole(AriaRole.Button, new() { Name = "Use my location" }).ClickAsync();
        await p.Page.Locator("section.need[data-category='police'] article.card.best").WaitForAsync();

        Assert.Equal(WebDemo.PoliceLiberia, await p.Page.Locator("section.need[data-category='police'] article.card.best h4").TextContentAsync());
        Assert.Contains("lat=10.635", p.Page.Url);
        AssertSameOrigin(p);
    }

    [Fact]
    public async Task CaseworkerKey_ShowsWhatTheRoleAllows_AndLivesInThisTabOnly()
    {
        var key = await web.Factory.CreateKeyAsync($"web-cw-{Guid.NewGuid():N}", Referral.Api.Features.Access.Roles.Caseworker);
        const string Query = "lat=10.63504&lng=-85.43772&age=13&needs=shelter";
        using var caseworker = new HttpClient { BaseAddress = web.BaseAddress };
        caseworker.DefaultRequestHeaders.Add("X-Api-Key", key);
        double ShelterDistance(JsonElement card) => card.GetProperty("categories").EnumerateArray()
            .Single(c => c.GetProperty("category").GetString() == "shelter").GetProperty("best").GetProperty("distance_m").GetDouble();
        var exact = ShelterDistance(await caseworker.GetFromJsonAsync<JsonElement>($"/api/referral?{Query}"));
        var shown = ShelterDistance(await web.Http.GetFromJsonAsync<JsonElement>($"/api/referral?{Query}"));
        Assert.True(Math.Abs(exact - shown) > 100, "the test needs the approximate shelter's public point away from its site");
        await using var p = await web.NewPageAsync();
        await p.Page.GotoAsync($"/find?{Query}");
        await p.Page.Locator("section.need[data-category='shelter'] article.card.best").WaitForAsync();
        var shelter = p.Page.Locator("section.need[data-category='shelter'] article.card.best");
        Assert.Equal(shown, double.Parse((await shelter.GetAttributeAsync("data-distance-m"))!, CultureInfo.InvariantCulture), 3);

        await p.Page.GetByText("API key", new() { Exact = true }).ClickAsync();
        await p.Page.GetByLabel("API key (kept in this tab only)", new() { Exact = true }).FillAsync(key);
        await p.Page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await p.Page.WaitForFunctionAsync("() => sessionStorage.getItem('referral.apiKey') !== null");
        await p.Page.GotoAsync($"/find?{Query}");
        await p.Page.Locator("section.need[data-category='shelter'] article.card.best").WaitForAsync();

        Assert.Equal(exact, double.Parse((await shelter.GetAttributeAsync("data-distance-m"))!, CultureInfo.InvariantCulture), 3);
        Assert.Equal(key, await p.Page.EvaluateAsync<string>("() => sessionStorage.getItem('referral.apiKey')"));
        Assert.Equal(0, await p.Page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.Empty(await p.Context.CookiesAsync());
        Assert.DoesNotContain(key, p.Page.Url, StringComparison.Ordinal);
        await using var other = await web.NewPageAsync();
        await other.Page.GotoAsync("/");
        await other.Page.Locator("body[data-ready='find']").WaitForAsync();
        Assert.Null(await other.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('referral.apiKey')"));
        await other.Page.GetByText("API key", new() { Exact = true }).ClickAsync();
        Assert.True(await other.Page.GetByText("No key: you see what the public sees.").IsVisibleAsync());
    }

    [Fact]
    public async Task FarAwayAnswer_IsFlaggedPlainly_AndPlatformChannelsAreShown()
    {
        await using var p = await web.NewPageAsync();

        // Golfito, in the far south of Costa Rica: the demo's police units are all in Guanacaste, more than 200 km away.
        await p.Page.GotoAsync("/find?lat=8.6394&lng=-83.1661&age=13&needs=police&platform=tiktok");
        await p.Page.Locator("section.need[data-category='police'] article.card.best").WaitForAsync();

        var best = p.Page.Locator("section.need[data-category='police'] article.card.best");
        Assert.True(double.Parse((await best.GetAttributeAsync("data-distance-m"))!, CultureInfo.InvariantCulture) > 200_000);
        Assert.Equal("Far away: check that the child can get there.", (await best.Locator(".warning.far").TextContentAsync())?.Trim());
        Assert.Contains(WebDemo.Reporting, await p.Page.Locator("section.group.platform").TextContentAsync());
    }

    internal static void AssertSameOrigin(WebPage p)
    {
        var origin = new Uri(p.Page.Url).GetLeftPart(UriPartial.Authority);
        Assert.NotEmpty(p.Requests);
        Assert.All(p.Requests, url => Assert.True(url.StartsWith(origin + "/", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal),
            $"request left the page's origin: {url}"));
    }
}
