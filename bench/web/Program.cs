// The web app in the system Chromium against a running API (see WebBench.csproj):
//
//   dotnet run --project bench/web -c Release -- card --base http://127.0.0.1:5080 [--runs 15] [--place "San José"] [--out file.md]
//   dotnet run --project bench/web -c Release -- screenshots --base http://127.0.0.1:5080 --key <planner key> --dataset <id> --out docs
//
// card: each run opens the "Find help" view in a fresh browser context, sets age 13 and two needs, types the start of a town
// and chooses it with the keyboard (Enter, which searches at once). In the page, a keydown listener (capture phase) notes
// performance.now() at that Enter, a MutationObserver notes when #results holds a card and is no longer busy, and the next
// animation frame after that counts as rendered. The in-page GET /api/referral (Resource Timing) and, as the reference, the
// very same URL fetched straight from this process (HttpClient, warm connection, 3 times per run) are measured in the same
// runs. Median and spread (min–max) are printed as a Markdown table.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

var options = Options.Parse(args);
var chromium = Environment.GetEnvironmentVariable("REFERRAL_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
if (!File.Exists(chromium))
{
    Console.Error.WriteLine($"No Chromium at {chromium}: apt-get install -y chromium, or set REFERRAL_CHROMIUM.");
    return 2;
}
Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = chromium,
    Headless = true,
    Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
return options.Command switch
{
    "card" => await Card.RunAsync(browser, options),
    "screenshots" => await Screenshots.RunAsync(browser, options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: card --base URL [--runs N] [--place TEXT] [--out FILE] | screenshots --base URL --key KEY --dataset ID --out DIR");
    return 2;
}

internal sealed record Options(string Command, Uri Base, int Runs, string Place, string? Out, string? Key, string? Dataset)
{
    public static Options Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        return new Options(
            args.Length > 0 ? args[0] : "",
            new Uri(Value("--base", "http://127.0.0.1:5080")),
            int.Parse(Value("--runs", "15"), CultureInfo.InvariantCulture),
            Value("--place", "San José"),
            Value("--out", "") is { Length: > 0 } o ? o : null,
            Value("--key", "") is { Length: > 0 } k ? k : null,
            Value("--dataset", "") is { Length: > 0 } d ? d : null);
    }
}

internal static class Views
{
    public static async Task<IPage> NewPageAsync(IBrowser browser, Uri baseUri, int width = 1280, int height = 860)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUri.ToString(),
            Locale = "en-US",
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ServiceWorkers = ServiceWorkerPolicy.Block,
        });
        return await context.NewPageAsync();
    }

    /// <summary>The "Find help" view with age 13 and the needs ticked, the town typed and its option shown (not yet chosen).</summary>
    public static async Task<ILocator> PrepareFindAsync(IPage page, string place, params string[] needs)
    {
        await page.GotoAsync("/");
        await page.Locator("body[data-ready='find']").WaitForAsync();
        await page.GetByLabel("Age", new() { Exact = true }).FillAsync("13");
        foreach (var need in needs)
        {
            await page.GetByRole(AriaRole.Checkbox, new() { Name = need, Exact = true }).CheckAsync();
        }
        var box = page.GetByRole(AriaRole.Combobox, new() { Name = "Town or place", Exact = true });
        await box.FillAsync(place[..Math.Min(place.Length, 7)]);
        await page.GetByRole(AriaRole.Option, new() { Name = place }).First.WaitForAsync();
        await box.PressAsync("ArrowDown");
        return box;
    }
}

internal static class Card
{
    private const string Probe = """
        () => {
          const b = (window.__bench = {});
          document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && b.t0 === undefined) b.t0 = performance.now(); }, true);
          const results = document.getElementById('results');
          const seen = () => {
            if (b.t0 === undefined || b.dom !== undefined) return;
            if (results.getAttribute('aria-busy') === 'false' && results.querySelector('article.card')) {
              b.dom = performance.now();
              requestAnimationFrame(() => requestAnimationFrame(() => { b.painted = performance.now(); }));
            }
          };
          new MutationObserver(seen).observe(results, { attributes: true, childList: true, subtree: true });
        }
        """;

    public static async Task<int> RunAsync(IBrowser browser, Options o)
    {
        using var http = new HttpClient { BaseAddress = o.Base };
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        var card = new List<double>();
        var inPage = new List<double>();
        var raw = new List<double>();
        string? url = null;
        // One unmeasured run first: Chromium's and the API's first-use costs (JIT, caches) are not what a caseworker waits for.
        for (var run = 0; run <= o.Runs; run++)
        {
            var page = await Views.NewPageAsync(browser, o.Base);
            try
            {
                var box = await Views.PrepareFindAsync(page, o.Place, "Specialised police unit", "Health care");
                await page.EvaluateAsync(Probe);
                await box.PressAsync("Enter");
                await page.WaitForFunctionAsync("() => window.__bench.painted !== undefined", null, new() { Timeout = 30_000 });
                var m = await page.EvaluateAsync<JsonElement>("""
                    () => {
                      const r = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/referral?')).pop();
                      return { t0: window.__bench.t0, painted: window.__bench.painted, api: r ? r.responseEnd - r.startTime : -1, url: r ? r.name : '' };
                    }
                    """);
                url = m.GetProperty("url").GetString();
                if (string.IsNullOrEmpty(url))
                {
                    throw new InvalidOperationException("the page made no /api/referral request");
                }
                // The reference: the same request straight to the API, in the same run (3 times, the median kept).
                var times = new List<double>();
                for (var i = 0; i < 3; i++)
                {
                    var sw = Stopwatch.StartNew();
                    using var response = await http.GetAsync(new Uri(url).PathAndQuery);
                    _ = await response.Content.ReadAsByteArrayAsync();
                    response.EnsureSuccessStatusCode();
                    times.Add(sw.Elapsed.TotalMilliseconds);
                }
                if (run == 0)
                {
                    continue;
                }
                card.Add(m.GetProperty("painted").GetDouble() - m.GetProperty("t0").GetDouble());
                inPage.Add(m.GetProperty("api").GetDouble());
                raw.Add(Median(times));
                Console.Error.WriteLine(FormattableString.Invariant($"run {run}/{o.Runs}: card {card[^1]:F0} ms, page's API call {inPage[^1]:F0} ms, raw API {raw[^1]:F0} ms"));
            }
            finally
            {
                await page.Context.CloseAsync();
            }
        }

        var load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        var ratios = card.Zip(raw, (a, b) => a / b).ToList();
        var table = new StringBuilder()
            .AppendLine(FormattableString.Invariant($"# Web app: choose a place → rendered referral card ({DateTime.UtcNow:yyyy-MM-dd})"))
            .AppendLine()
            .AppendLine(FormattableString.Invariant($"Demo seed, \"{o.Place}\", age 13, needs police + health; {card.Count} runs after one warm-up, each in a fresh browser context;"))
            .AppendLine(FormattableString.Invariant($"headless Chromium, Release build. Load average at the end: {load} (a shared 2-core machine: indicative)."))
            .AppendLine()
            .AppendLine("| measure | median ms | min–max ms |")
            .AppendLine("|---|---|---|")
            .AppendLine(Row("Enter on the town → card rendered (next frame)", card))
            .AppendLine(Row("…of which the page's GET /api/referral (Resource Timing)", inPage))
            .AppendLine(Row("reference: the same GET straight from the benchmark (HttpClient)", raw))
            .AppendLine()
            .AppendLine(FormattableString.Invariant($"Card ÷ raw API call: median {Median(ratios):F1}× ({ratios.Min():F1}–{ratios.Max():F1}). Target: card ≤ 1000 ms."))
            .AppendLine()
            .AppendLine($"Request: `{new Uri(url!).PathAndQuery}`")
            .ToString();
        Console.WriteLine(table);
        if (o.Out is { } file)
        {
            await File.WriteAllTextAsync(file, table);
        }
        return 0;
    }

    private static string Row(string name, List<double> v) =>
        FormattableString.Invariant($"| {name} | {Median(v):F0} | {v.Min():F0}–{v.Max():F0} |");

    public static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
    }
}

internal static class Screenshots
{
    public static async Task<int> RunAsync(IBrowser browser, Options o)
    {
        if (o.Out is null || o.Key is null || o.Dataset is null)
        {
            Console.Error.WriteLine("screenshots needs --out DIR, --key KEY (planner or admin) and --dataset ID (the demo demand dataset).");
            return 2;
        }
        Directory.CreateDirectory(o.Out);
        foreach (var (name, width, height) in new[] { ("desktop", 1280, 860), ("phone", 390, 844) })
        {
            var page = await Views.NewPageAsync(browser, o.Base, width, height);
            try
            {
                var box = await Views.PrepareFindAsync(page, o.Place, "Specialised police unit", "Health care", "Safe shelter");
                await box.PressAsync("Enter");
                await page.Locator("#results[aria-busy='false'] article.card").First.WaitForAsync();
                await SettleAsync(page);
                await page.ScreenshotAsync(new() { Path = Path.Combine(o.Out, $"webapp-find-{name}.png"), FullPage = name == "phone" });

                await page.GotoAsync("/gaps");
                await page.Locator("body[data-ready='gaps']").WaitForAsync();
                await page.GetByText("API key", new() { Exact = true }).ClickAsync();
                await page.GetByLabel("API key (kept in this tab only)", new() { Exact = true }).FillAsync(o.Key);
                await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
                await page.Locator("body[data-ready='gaps']").WaitForAsync();
                await page.GetByLabel("Demand dataset (settlements)", new() { Exact = true }).SelectOptionAsync(o.Dataset);
                await page.GetByRole(AriaRole.Checkbox, new() { Name = "Specialised police unit" }).CheckAsync();
                await page.GetByRole(AriaRole.Checkbox, new() { Name = "Health care" }).CheckAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "Start analysis" }).ClickAsync();
                await page.Locator("#summary-table").WaitForAsync(new() { Timeout = 300_000 });
                await SettleAsync(page);
                await page.ScreenshotAsync(new() { Path = Path.Combine(o.Out, $"webapp-gaps-{name}.png"), FullPage = name == "phone" });
                Console.Error.WriteLine($"{name}: webapp-find-{name}.png, webapp-gaps-{name}.png");
            }
            finally
            {
                await page.Context.CloseAsync();
            }
        }
        return 0;
    }

    private static async Task SettleAsync(IPage page)
    {
        await page.EvaluateAsync("() => { document.querySelector('.panel')?.scrollTo(0, 0); window.scrollTo(0, 0); }");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.WaitForTimeoutAsync(700); // map fly-to animation
    }
}
