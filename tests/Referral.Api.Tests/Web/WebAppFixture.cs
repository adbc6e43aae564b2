using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Web;

/// <summary>
/// The web app in a real browser: the API on a real loopback port (Kestrel) with its own database and a small fictional
/// demo subset (<see cref="WebDemo"/>), and the system Chromium driven by Playwright. Playwright never downloads a browser:
/// without Chromium, or without the app's bundle, every web test fails with what to install.
/// </summary>
public sealed class WebAppFixture : IAsyncLifetime
{
    /// <summary>The Debian chromium package's binary; REFERRAL_CHROMIUM may name another.</summary>
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("REFERRAL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private IPlaywright? _playwright;

    public ReferralApiFactory Factory { get; } = new() { RealServer = true };

    public IBrowser Browser { get; private set; } = null!;

    public Uri BaseAddress => Factory.ServerAddress;

    public HttpClient Http { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public WebDemo Demo { get; private set; } = null!;

    /// <summary>The repository root (found from this source file, like the seed folder).</summary>
    public static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The web app tests need Chromium at {ChromiumPath}: apt-get install -y chromium (scripts/test-tools.sh does it as root), or set REFERRAL_CHROMIUM.");
        }
        await ((IAsyncLifetime)Factory).InitializeAsync();
        var web = Factory.Services.GetRequiredService<IWebHostEnvironment>().WebRootFileProvider;
        if (!web.GetFileInfo("lib/app/app.js").Exists)
        {
            throw new InvalidOperationException(
                "The web app's bundle (src/Referral.Api/wwwroot/lib/app/app.js) is missing: install Node.js 20+ with npm and build again (dotnet build runs npm ci and web/build.mjs).");
        }
        Http = new HttpClient { BaseAddress = BaseAddress };
        Admin = new HttpClient { BaseAddress = BaseAddress };
        Admin.DefaultRequestHeaders.Add("X-Api-Key", Factory.AdminKey);
        Demo = await WebDemo.ArrangeAsync(Factory, Admin);

        // Playwright's own browser download can never work here: use the system Chromium and never call `install`.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    /// <summary>A fresh browser page (own context: own sessionStorage) that records every request it makes.</summary>
    public async Task<WebPage> NewPageAsync(int width = 1280, int height = 900, string locale = "en-US", bool bypassCsp = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
            BypassCSP = bypassCsp,
            ServiceWorkers = ServiceWorkerPolicy.Block,
        });
        var page = await context.NewPageAsync();
        return new WebPage(context, page);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        Admin?.Dispose();
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        await ((IAsyncLifetime)Factory).DisposeAsync();
    }
}

/// <summary>A page and what it did: every request URL, console errors and dialogs (an alert() would mean injected script ran).</summary>
public sealed class WebPage : IAsyncDisposable
{
    public WebPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Request += (_, request) => { lock (Requests) { Requests.Add(request.Url); } };
        page.Console += (_, message) => { if (message.Type == "error") { lock (Errors) { Errors.Add(message.Text); } } };
        page.PageError += (_, error) => { lock (Errors) { Errors.Add(error); } };
        page.Dialog += async (_, dialog) => { lock (Dialogs) { Dialogs.Add(dialog.Message); } await dialog.DismissAsync(); };
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public List<string> Requests { get; } = [];
    public List<string> Errors { get; } = [];
    public List<string> Dialogs { get; } = [];

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}

/// <summary>
/// The web tests' own data: a small **fictional** demo subset around Liberia, Guanacaste (Costa Rica). Every name starts
/// with [DEMO] and every phone number is of the unallocated form +506 0000 0NNN, like the seed's demo directory.
/// </summary>
public sealed class WebDemo
{
    public const string PoliceLiberia = "[DEMO] Unidad policial Liberia";
    public const string PoliceNicoya = "[DEMO] Unidad policial Nicoya";
    public const string ClinicLiberia = "[DEMO] Clínica infantil Liberia";
    public const string Psychosocial = "[DEMO] Centro psicosocial Cañas";
    public const string Shelter = "[DEMO] Refugio confidencial Guanacaste";
    public const string Helpline = "[DEMO] Línea de ayuda infantil";
    public const string Reporting = "[DEMO] Canal de denuncia en línea";
    public const string DatasetName = "[DEMO] Guanacaste towns (web tests)";

    public static readonly (string Name, double Lat, double Lng, long Population, string Class)[] Towns =
    [
        ("Liberia", 10.63504, -85.43772, 45_380, "urban_cluster"),
        ("Nicoya", 10.14823, -85.45201, 14_000, "urban_cluster"),
        ("Santa Cruz", 10.26120, -85.58390, 12_000, "urban_cluster"),
        ("Cañas", 10.43014, -85.09281, 19_000, "urban_cluster"),
        ("Filadelfia", 10.44600, -85.55600, 4_000, "rural"),
        ("Bagaces", 10.52730, -85.25390, 3_500, "rural"),
        ("La Cruz", 11.07220, -85.62990, 3_200, "rural"),
        ("Tilarán", 10.46700, -84.96700, 4_800, "rural"),
        ("Upala", 10.89870, -85.01540, 2_400, "rural"),
        ("Sámara", 9.88130, -85.52830, 1_800, "rural"),
    ];

    public Guid OrganizationId { get; private init; }
    public Guid DatasetId { get; private init; }

    internal static async Task<WebDemo> ArrangeAsync(ReferralApiFactory factory, HttpClient admin)
    {
        await AddTaxonomyAsync(factory);
        // Country outlines for the offline basemap and for service areas by region code (Natural Earth, from seed/).
        var regions = await admin.PostAsync("/api/regions", new StringContent(
            await File.ReadAllTextAsync(Path.Combine(ReferralApiFactory.SeedFolder(), "regions.geojson")), System.Text.Encoding.UTF8, "application/geo+json"));
        regions.EnsureSuccessStatusCode();
        foreach (var town in Towns)
        {
            await TestData.AddPlaceAsync(factory, town.Name, town.Population, town.Lat, town.Lng, "CR-G");
        }
        var org = await TestData.CreateOrganizationAsync(admin, "[DEMO] Red de protección Guanacaste");
        await TestData.CreateServiceAsync(admin, Service(org, PoliceLiberia, 10.6370, -85.4390, "police", "+50600000101"));
        await TestData.CreateServiceAsync(admin, Service(org, PoliceNicoya, 10.1500, -85.4500, "police", "+50600000102"));
        var clinic = Service(org, ClinicLiberia, 10.6290, -85.4460, "health", "+50600000103");
        clinic["assured_date"] = "2020-01-15"; // stale: the card must warn
        clinic.Remove("schedules"); // hours unknown
        await TestData.CreateServiceAsync(admin, clinic);
        await TestData.CreateServiceAsync(admin, Service(org, Psychosocial, 10.4300, -85.0900, "psychosocial", "+50600000104"));
        await TestData.CreateServiceAsync(admin, Service(org, Shelter, 10.6100, -85.4000, "shelter", "+50600000105", visibility: "approximate"));
        await TestData.CreateServiceAsync(admin, Remote(org, Helpline, "helpline", "+50600000110", []));
        await TestData.CreateServiceAsync(admin, Remote(org, Reporting, "online_reporting", "+50600000111", ["tiktok", "facebook"]));

        var csv = "name,lat,lng,population,settlement_class,region_code\n" + string.Join('\n', Towns.Select(t =>
            FormattableString.Invariant($"{t.Name},{t.Lat},{t.Lng},{t.Population},{t.Class},CR-G")));
        var upload = await admin.PostAsync($"/api/demand_datasets?name={Uri.EscapeDataString(DatasetName)}",
            new StringContent(csv, System.Text.Encoding.UTF8, "text/csv"));
        var report = await upload.Content.ReadFromJsonAsync<JsonElement>();
        if (!upload.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Uploading the web demo dataset failed: {report}");
        }
        var datasets = await admin.GetFromJsonAsync<JsonElement>("/api/demand_datasets?per_page=100");
        var dataset = datasets.GetProperty("contents").EnumerateArray().Single(d => d.GetProperty("name").GetString() == DatasetName).GetProperty("id").GetGuid();
        return new WebDemo { OrganizationId = org, DatasetId = dataset };
    }

    public static JsonObject Service(Guid org, string name, double lat, double lng, string category, string phone, string visibility = "public")
    {
        var service = TestData.Service(org, name, lat, lng, category, visibility);
        service["phones"] = new JsonArray(new JsonObject { ["number"] = phone, ["type"] = "voice" });
        service["assured_date"] = DateTime.UtcNow.AddDays(-30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        service["url"] = "https://example.org/demo";
        return service;
    }

    private static JsonObject Remote(Guid org, string name, string category, string phone, string[] platforms)
    {
        var service = Service(org, name, 0, 0, category, phone);
        service.Remove("service_at_locations");
        service["delivery_modes"] = new JsonArray("phone", "online_form");
        service["available_24_7"] = true;
        service["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Costa Rica", ["region_codes"] = new JsonArray("CR") });
        if (platforms.Length > 0)
        {
            service["platforms"] = new JsonArray([.. platforms.Select(p => (JsonNode)p)]);
        }
        return service;
    }

    /// <summary>The built-in categories with their real labels in en/es/pt/fr (seed/taxonomy.json), so labels come from the API.</summary>
    private static async Task AddTaxonomyAsync(ReferralApiFactory factory)
    {
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ReferralApiFactory.SeedFolder(), "taxonomy.json")));
        var t = doc.RootElement.GetProperty("taxonomies")[0];
        await factory.WithDbAsync(async db =>
        {
            var id = t.GetProperty("id").GetGuid();
            db.Taxonomies.Add(new Taxonomy
            {
                Id = id,
                Name = t.GetProperty("name").GetString()!,
                Description = t.GetProperty("description").GetString()!,
                Terms = [.. t.GetProperty("terms").EnumerateArray().Select(term => new TaxonomyTerm
                {
                    Id = term.GetProperty("id").GetGuid(),
                    TaxonomyId = id,
                    Code = term.GetProperty("code").GetString()!,
                    Name = term.GetProperty("name").GetString()!,
                    Description = term.GetProperty("description").GetString()!,
                    Labels = term.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                })],
            });
            await db.SaveChangesAsync();
        });
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WebCollection : ICollectionFixture<WebAppFixture>
{
    public const string Name = "web";
}
