using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Referral.Api.Tests.Web;

/// <summary>The planner's journey in Chromium: run the demo gap analysis, see the choropleth, table, chart and downloads.</summary>
[Collection(WebCollection.Name)]
public sealed class GapsViewTests(WebAppFixture web)
{
    /// <summary>Enters the key, starts an analysis of the web demo dataset for police and health, waits for the results.</summary>
    internal static async Task RunAnalysisAsync(WebAppFixture web, IPage page)
    {
        await page.GotoAsync("/gaps");
        await page.Locator("body[data-ready='gaps']").WaitForAsync();
        await page.GetByText("API key", new() { Exact = true }).ClickAsync();
        await page.GetByLabel("API key (kept in this tab only)", new() { Exact = true }).FillAsync(web.Factory.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await page.Locator("body[data-ready='gaps']").WaitForAsync();
        await page.GetByLabel("Demand dataset (settlements)", new() { Exact = true }).SelectOptionAsync(web.Demo.DatasetId.ToString());
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Specialised police unit" }).CheckAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Health care" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Start analysis" }).ClickAsync();
        await page.Locator("#summary-table").WaitForAsync(new() { Timeout = 60_000 });
    }

    [Fact]
    public async Task Planner_RunsAnalysis_SeesChoroplethTableAndDownloadsCsv()
    {
        await using var p = await web.NewPageAsync();

        await RunAnalysisAsync(web, p.Page);

        Assert.Matches("/gaps/[0-9a-f-]{36}$", p.Page.Url);
        // The demo's province has no outline: the choropleth is the hexagon grid, one area per occupied cell.
        Assert.True(await p.Page.Locator("#map path.choropleth-area").CountAsync() > 1);
        Assert.Equal(WebDemo.Towns.Length, await p.Page.Locator("#map path.settlement").CountAsync());
        Assert.True(await p.Page.Locator("#grid-note").IsVisibleAsync());
        Assert.Equal(2, await p.Page.Locator("#summary-table tbody tr").CountAsync());
        Assert.Equal(4, await p.Page.Locator("svg.chart rect.bar").CountAsync() - 2);
        Assert.True(await p.Page.Locator("ol.worst li").CountAsync() > 0);
        Assert.Contains("rural people live", await p.Page.Locator("ul.headlines").TextContentAsync());
        var download = await p.Page.RunAndWaitForDownloadAsync(() => p.Page.GetByRole(AriaRole.Link, new() { Name = "Table (CSV)" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("analysis_id,dataset,region_code,", csv);
        Assert.Contains("police", csv);
        Assert.Contains("CR-G", csv);
        FindHelpTests.AssertSameOrigin(p);
    }

    [Fact]
    public async Task Planner_SuggestsSites_SeesThemNumberedOnTheMap_WithBeforeAndAfter()
    {
        await using var p = await web.NewPageAsync();
        await RunAnalysisAsync(web, p.Page);

        await p.Page.GetByLabel("Category of the new sites", new() { Exact = true }).SelectOptionAsync("police");
        await p.Page.GetByLabel("Number of new sites", new() { Exact = true }).FillAsync("2");
        await p.Page.GetByRole(AriaRole.Button, new() { Name = "Suggest sites" }).ClickAsync();
        await p.Page.Locator("#placement-table").WaitForAsync(new() { Timeout = 60_000 });

        // The placement the page started, read through the API: the page lists its sites in pick order, one numbered
        // marker each, and its before/after figures.
        var csv = await p.Page.GetByRole(AriaRole.Link, new() { Name = "Chosen sites (CSV)" }).GetAttributeAsync("href");
        var id = Assert.Single(System.Text.RegularExpressions.Regex.Matches(csv!, "[0-9a-f-]{36}")).Value;
        var placement = await web.Http.GetFromJsonAsync<JsonElement>($"/api/placements/{id}");
        Assert.Equal("police", placement.GetProperty("options").GetProperty("category").GetString());
        Assert.Equal(2, placement.GetProperty("options").GetProperty("k").GetInt32());
        Assert.Equal(web.Demo.DatasetId, placement.GetProperty("dataset").GetProperty("id").GetGuid());
        var sites = placement.GetProperty("results").GetProperty("sites").EnumerateArray().ToList();
        Assert.NotEmpty(sites);
        var items = await p.Page.Locator("#placement-sites li").AllTextContentsAsync();
        Assert.Equal(sites.Count, items.Count);
        for (var i = 0; i < sites.Count; i++)
        {
            Assert.StartsWith(sites[i].GetProperty("name").GetString() + ":", items[i], StringComparison.Ordinal);
            Assert.Contains("more people within reach", items[i], StringComparison.Ordinal);
        }
        Assert.Equal(sites.Count, await p.Page.Locator("#map path.placement-site").CountAsync());
        var tooltips = await p.Page.Locator(".leaflet-tooltip").AllTextContentsAsync();
        Assert.Contains($"1. {sites[0].GetProperty("name").GetString()}", tooltips);
        var rural = await p.Page.Locator("#placement-table tbody tr").Nth(1).Locator("td").AllTextContentsAsync();
        var after = placement.GetProperty("results").GetProperty("after").GetProperty("rural").GetProperty("served_share").GetDouble();
        Assert.Equal($"{Math.Round(after * 100)}%", rural[1].Replace("\u00a0", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal));
        FindHelpTests.AssertSameOrigin(p);
    }

    [Fact]
    public async Task DeepLink_GapsId_ShowsAFinishedAnalysisWithoutAKey_AndUnknownIdsSaySo()
    {
        var started = await web.Admin.PostAsJsonAsync("/api/gap_analyses", new { dataset_id = web.Demo.DatasetId, categories = new[] { "police" } });
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await using var p = await web.NewPageAsync();

        await p.Page.GotoAsync($"/gaps/{id}");
        await p.Page.Locator("#summary-table").WaitForAsync(new() { Timeout = 60_000 });

        Assert.Null(await p.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('referral.apiKey')"));
        Assert.Equal(1, await p.Page.Locator("#summary-table tbody tr").CountAsync());
        Assert.Equal(WebDemo.Towns.Length, await p.Page.Locator("#map path.settlement").CountAsync());
        Assert.Contains(id.ToString(), await p.Page.GetByRole(AriaRole.Link, new() { Name = "Table (CSV)" }).GetAttributeAsync("href"), StringComparison.Ordinal);

        await p.Page.GotoAsync("/gaps/0194a0c2-1111-7000-8000-000000000001");
        await p.Page.GetByText("No analysis with this id.").WaitForAsync();
        FindHelpTests.AssertSameOrigin(p);
    }

    [Fact]
    public async Task WorstServed_Click_ZoomsTheMapToTheSettlement()
    {
        await using var p = await web.NewPageAsync();
        await RunAnalysisAsync(web, p.Page);
        const string FirstSettlement = "() => document.querySelector('#map path.settlement').getAttribute('d')";
        var before = await p.Page.EvaluateAsync<string>(FirstSettlement);

        await p.Page.Locator("ol.worst li button").First.ClickAsync();
        await p.Page.WaitForTimeoutAsync(400);

        Assert.NotEqual(before, await p.Page.EvaluateAsync<string>(FirstSettlement));
    }

    [Fact]
    public async Task GridExport_SumsSettlementsIntoHexagonsWithFigures()
    {
        var start = await web.Admin.PostAsJsonAsync("/api/gap_analyses", new { dataset_id = web.Demo.DatasetId, categories = new[] { "police" } });
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var grid = await web.Http.GetFromJsonAsync<JsonElement>($"/api/gap_analyses/{id}/grid.geojson?cell_km=25");
        var square = await web.Http.GetFromJsonAsync<JsonElement>($"/api/gap_analyses/{id}/grid.geojson?cell_km=25&shape=square");
        var bad = await web.Http.GetAsync($"/api/gap_analyses/{id}/grid.geojson?cell_km=0");
        var missing = await web.Http.GetAsync($"/api/gap_analyses/{Guid.NewGuid()}/grid.geojson");

        var features = grid.GetProperty("features").EnumerateArray().ToList();
        Assert.True(features.Count > 1);
        Assert.Equal(WebDemo.Towns.Length, features.Sum(f => f.GetProperty("properties").GetProperty("settlements").GetInt32()));
        Assert.Equal(WebDemo.Towns.Sum(t => t.Population), features.Sum(f => f.GetProperty("properties").GetProperty("population").GetInt64()));
        Assert.All(features, f =>
        {
            Assert.Equal("Polygon", f.GetProperty("geometry").GetProperty("type").GetString());
            Assert.Equal(7, f.GetProperty("geometry").GetProperty("coordinates")[0].GetArrayLength()); // a closed hexagon
            Assert.True(f.GetProperty("properties").TryGetProperty("police_mean_distance_m", out _));
            Assert.True(f.GetProperty("properties").TryGetProperty("police_gap", out _));
        });
        Assert.Equal(5, square.GetProperty("features")[0].GetProperty("geometry").GetProperty("coordinates")[0].GetArrayLength());
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("VALIDATION_FAILED", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }
}
