using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Data.Seeding;
using Referral.Api.Features.Demand;
using Referral.Api.Infrastructure;
using Spectre.Console;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// <c>dotnet run --project src/Referral.Api --no-launch-profile -- gaps …</c>: run an analysis with a progress bar and print the urban/rural
/// table; import demand datasets and regions; list datasets. Exit codes: 0 done, 1 bad arguments or invalid input.
/// </summary>
internal static class GapCli
{
    private static readonly JsonSerializerOptions Indented = new(JsonSetup.Options) { WriteIndented = true };

    internal static async Task<int> AnalyseAsync(IServiceProvider sp, Dictionary<string, string> o, CancellationToken ct)
    {
        var errors = new List<string>();
        double[]? Doubles(string key) => o.TryGetValue(key, out var v) ? [.. v.Split(',').Select(x => Number(key, x, errors) ?? 0)] : null;
        double? Double(string key) => o.TryGetValue(key, out var v) ? Number(key, v, errors) : null;
        int? Int(string key) => o.TryGetValue(key, out var v) ? (int.TryParse(v, CultureInfo.InvariantCulture, out var i) ? i : Fail<int>(key, v, errors)) : null;
        long? Long(string key) => o.TryGetValue(key, out var v) ? (long.TryParse(v, CultureInfo.InvariantCulture, out var i) ? i : Fail<long>(key, v, errors)) : null;

        var dataset = o.GetValueOrDefault("dataset") ?? SeedLoader.DemoDatasetName;
        var request = new GapAnalysisRequest
        {
            DatasetId = Guid.TryParse(dataset, out var id) ? id : null,
            Dataset = Guid.TryParse(dataset, out _) ? null : dataset,
            Categories = o.TryGetValue("categories", out var c) ? c.Split(',') : null,
            ThresholdsKm = Doubles("thresholds"),
            CatchmentKm = Double("catchment"),
            Decay = o.GetValueOrDefault("decay"),
            FcaCellKm = Double("fca-cell"),
            TargetKm = Double("target-km"),
            TargetShare = Double("target-share"),
            WorstN = Int("worst"),
            RegionLevel = Int("region-level"),
            SettlementThresholds = o.ContainsKey("urban-centre") || o.ContainsKey("urban-cluster")
                ? new GapSettlementThresholds(Long("urban-centre"), Long("urban-cluster")) : null,
            TravelTime = o.ContainsKey("travel") || o.ContainsKey("detour") ? new GapTravelRequest(Double("detour")) : null,
            Age = Int("age"),
            Language = o.GetValueOrDefault("language"),
            Gender = o.GetValueOrDefault("gender"),
            SameCountry = o.ContainsKey("any-country") ? false : null,
            Force = o.ContainsKey("force"),
        };
        if (errors.Count > 0)
        {
            await Console.Error.WriteLineAsync(string.Join(Environment.NewLine, errors));
            return 1;
        }
        var db = sp.GetRequiredService<ReferralDbContext>();
        if (request.Dataset == SeedLoader.DemoDatasetName && !await db.DemandDatasets.AnyAsync(d => d.Name == SeedLoader.DemoDatasetName, ct))
        {
            await Console.Error.WriteLineAsync("gaps: the demo dataset is not loaded yet; loading the seed first …");
            await sp.GetRequiredService<SeedLoader>().RunAsync(ct);
        }

        var watch = Stopwatch.StartNew();
        var start = await CliOutput.WithProgressAsync("gaps", show: true, bar =>
            sp.GetRequiredService<GapService>().StartAsync(request, GapRunMode.Inline, bar?.For<GapProgress>(Stage), ct));
        if (start.Status == GapStartStatus.Invalid)
        {
            foreach (var (field, messages) in start.Errors!)
            {
                await Console.Error.WriteLineAsync($"--{field.Replace('_', '-')}: {string.Join(" ", messages)}");
            }
            return 1;
        }
        if (start.Status == GapStartStatus.TooMany)
        {
            await Console.Error.WriteLineAsync($"gaps: {start.Detail}");
            return 2;
        }
        var analysis = start.Analysis!;
        if (analysis.Status != GapAnalysis.Succeeded)
        {
            await Console.Error.WriteLineAsync($"gaps: analysis {analysis.Id} {analysis.Status}: {analysis.Error}");
            return 2;
        }
        if (o.ContainsKey("json"))
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(analysis, Indented));
        }
        else
        {
            Report(CliOutput.Stdout(), analysis, start.Status == GapStartStatus.Cached, watch.Elapsed);
        }
        if (o.TryGetValue("out", out var folder))
        {
            await ExportAsync(sp, analysis, folder, ct);
        }
        return 0;
    }

    /// <summary>A gap analysis's progress on the bar: its percentage and stage.</summary>
    internal static void Stage(CliProgress bar, GapProgress value) => bar.Report(value.Percent, value.Stage);

    /// <summary>The planner's headline table: per category, urban and rural side by side and rural ÷ urban.</summary>
    internal static void Report(IAnsiConsole console, GapAnalysisDocument a, bool cached, TimeSpan elapsed)
    {
        var r = a.Results!;
        var o = a.Options;
        var inv = CultureInfo.InvariantCulture;
        var people = r.Totals.Population is { } p ? string.Create(inv, $", {p:N0} people") : " (no population)";
        console.WriteLine(string.Create(inv, $"Gap analysis {a.Id} of \"{a.Dataset.Name}\": {r.Totals.Settlements:N0} settlements{people}, {r.Totals.Regions} regions, {o.Categories.Length} categories"));
        console.WriteLine(cached
            ? string.Create(inv, $"Reused the results of {a.CreatedAt:yyyy-MM-dd HH:mm} UTC (same inputs; --force recomputes).")
            : string.Create(inv, $"Computed in {a.DurationS ?? elapsed.TotalSeconds:0.0} s."));
        var rule = r.Rules.SettlementClass;
        console.WriteLine(string.Create(inv, $"Classes: {rule.Given} given, {rule.Derived} derived from population (urban centre ≥ {rule.UrbanCentreMinPopulation:N0}, town/urban cluster ≥ {rule.UrbanClusterMinPopulation:N0}, rural below), {rule.Unclassified} unclassified."));
        var byClass = r.Groups
            .Where(g => g.RegionCode == GapClasses.Any && g.Category == o.Categories[0] && GapClasses.All.Contains(g.SettlementClass))
            .Select(g => string.Create(inv, $"{g.SettlementClass} {g.Metrics.Settlements:N0}{(g.Metrics.Population is { } pop ? $" ({pop:N0} people)" : "")}"));
        console.WriteLine($"Settlements: {string.Join(" · ", byClass)}");
        var areas = o.AreaCategories.Length > 0 ? $" (or inside a service area for {string.Join("/", o.AreaCategories)})" : "";
        console.WriteLine(string.Create(inv, $"Urban = urban centres + towns; distances in km to the nearest in-person site (ellipsoidal); mean and median population-weighted, s.med = median over settlements (each counts once); ratio = rural ÷ urban; served = within {o.TargetKm:0.#} km{areas}."));
        var travel = o.TravelTime is not null;
        var header = new List<string> { "category", "sites", "mean u", "mean r", "ratio", "median u", "median r", "s.med u", "s.med r", "served u", "served r", "per100k u", "per100k r", "2SFCA u", "2SFCA r" };
        if (travel)
        {
            header.AddRange(["min u*", "min r*"]);
        }
        header.Add("gap");
        var table = CliOutput.NewTable(header);
        foreach (var s in r.Summary)
        {
            var row = new List<string>
            {
                s.Category, s.Sites.ToString(inv),
                Km(s.Urban.MeanDistanceM), Km(s.Rural.MeanDistanceM), Times(s.RuralToUrban.MeanDistance),
                Km(s.Urban.MedianDistanceM), Km(s.Rural.MedianDistanceM),
                Km(s.Urban.MedianDistanceMSettlements), Km(s.Rural.MedianDistanceMSettlements),
                GapAggregator.Percent(s.Urban.ServedShare), GapAggregator.Percent(s.Rural.ServedShare),
                Num(s.Urban.ServicesPer100k, "0.0"), Num(s.Rural.ServicesPer100k, "0.0"),
                Num(s.Urban.AccessibilityPer100k, "0.00"), Num(s.Rural.AccessibilityPer100k, "0.00"),
            };
            if (travel)
            {
                row.AddRange([Num(s.Urban.TravelMinutes?.Mean, "0"), Num(s.Rural.TravelMinutes?.Mean, "0")]);
            }
            row.Add((s.Urban.Gap, s.Rural.Gap) switch
            {
                (true, true) => "both",
                (true, _) => "urban",
                (_, true) => "rural",
                _ => "-",
            });
            // A gap stands out on a terminal (no colour when redirected).
            table.AddRow([.. row.Select((cell, i) => new Text(cell, i == row.Count - 1 && cell != "-" ? new Style(Color.Red) : Style.Plain))]);
        }
        console.Write(table);
        if (travel)
        {
            console.WriteLine("* minutes: an estimate (straight line × detour ÷ class speed), not a network travel time.");
        }
        console.WriteLine("Worst served (farthest from an in-person site; for area-served categories, outside every service area first):");
        foreach (var s in r.Summary)
        {
            var area = s.Mode == "area";
            if (area && s.WorstServed.Count > 0 && s.WorstServed.All(w => w.Covered))
            {
                console.WriteLine($"  {s.Category}: every settlement is inside a service area");
                continue;
            }
            var worst = s.WorstServed.Take(3).Select(w => $"{w.Name} ({(w.DistanceM is null ? "no site" : GapAggregator.Km(w.DistanceM))}{(area && w.Covered ? ", in a service area" : "")})");
            console.WriteLine($"  {s.Category}: {string.Join("; ", worst)}");
        }
        console.WriteLine();
        foreach (var s in r.Summary)
        {
            console.WriteLine(s.Headline);
        }
    }

    private static async Task ExportAsync(IServiceProvider sp, GapAnalysisDocument analysis, string folder, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var exports = sp.GetRequiredService<GapExports>();
        var table = Path.Combine(folder, "gap-table.csv");
        await using (var writer = new StreamWriter(table, append: false, GapExports.Utf8))
        {
            await GapExports.WriteTableAsync(analysis, writer, ct);
        }
        var points = Path.Combine(folder, "gap-points.geojson");
        await using (var stream = File.Create(points))
        {
            await exports.WritePointsAsync(analysis, stream, ct);
        }
        var regions = Path.Combine(folder, "gap-regions.geojson");
        await using (var stream = File.Create(regions))
        {
            await exports.WriteRegionsAsync(analysis, stream, ct);
        }
        await Console.Out.WriteLineAsync($"Wrote {table}, {points} and {regions}.");
    }

    internal static async Task<int> ImportAsync(IServiceProvider sp, string file, Dictionary<string, string> o, CancellationToken ct)
    {
        if (!File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"gaps import: no file '{file}'.");
            return 1;
        }
        var format = file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) ? "csv" : "geojson";
        var meta = new DemandImportQuery(
            Name: o.GetValueOrDefault("name") ?? (format == "csv" ? Path.GetFileNameWithoutExtension(file) : null),
            Replace: o.ContainsKey("replace"), Format: format, Description: o.GetValueOrDefault("description"),
            Source: o.GetValueOrDefault("source"), License: o.GetValueOrDefault("license"), ValidOnly: o.ContainsKey("valid-only"));
        await using var stream = File.OpenRead(file);
        var result = await sp.GetRequiredService<DemandImporter>().ImportAsync(stream, format, meta, o.ContainsKey("replace"), DemandEndpoints.ImportLimit, ct);
        if (result.Report is not { } report)
        {
            await Console.Error.WriteLineAsync($"gaps import: {result.Detail}");
            foreach (var (field, messages) in result.Errors ?? [])
            {
                await Console.Error.WriteLineAsync($"  {field}: {string.Join(" ", messages)}");
            }
            return 1;
        }
        var d = report.Dataset;
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{(report.Replaced ? "Replaced" : "Imported")} \"{d.Name}\" ({d.Id}): {report.Imported:N0} settlements, {(d.Population is { } p ? $"{p:N0} people" : "no population")}, {d.WithClass:N0} with a class, {d.WithRegionCode:N0} with a region code."));
        foreach (var warning in report.Warnings)
        {
            await Console.Out.WriteLineAsync($"Note: {warning}");
        }
        if (report.Rejected > 0)
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Skipped {report.Rejected:N0} invalid row(s):"));
            foreach (var (field, messages) in report.Errors ?? [])
            {
                await Console.Out.WriteLineAsync($"  {field}: {string.Join(" ", messages)}");
            }
        }
        return 0;
    }

    internal static async Task<int> RegionsAsync(IServiceProvider sp, string file, CancellationToken ct)
    {
        if (!File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"gaps regions: no file '{file}'.");
            return 1;
        }
        var outcome = await sp.GetRequiredService<RegionImport>().ImportAsync(await File.ReadAllBytesAsync(file, ct), ct);
        if (outcome.Errors is { } errors)
        {
            await Console.Error.WriteLineAsync("gaps regions: nothing was stored:");
            foreach (var (field, messages) in errors.ToDictionary())
            {
                await Console.Error.WriteLineAsync($"  {field}: {string.Join(" ", messages)}");
            }
            return 1;
        }
        var r = outcome.Report!;
        await Console.Out.WriteLineAsync($"Regions: {r.Created} created, {r.Updated} updated, {r.Repaired} repaired.");
        foreach (var item in r.Regions.Where(i => i.Repaired is not null))
        {
            await Console.Out.WriteLineAsync($"  {item.Code}: {item.Repaired}");
        }
        return 0;
    }

    internal static async Task<int> ListAsync(IServiceProvider sp, CancellationToken ct)
    {
        foreach (var d in await sp.GetRequiredService<DemandQueries>().ListAsync(ct))
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{d.Id}  {d.Settlements,9:N0} settlements  {(d.Population is { } p ? $"{p,13:N0} people" : "  no population")}  {d.Name}"));
        }
        return 0;
    }

    private static double? Number(string key, string text, List<string> errors)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }
        errors.Add($"--{key}: '{text}' is not a number.");
        return null;
    }

    private static T? Fail<T>(string key, string text, List<string> errors)
        where T : struct
    {
        errors.Add($"--{key}: '{text}' is not a whole number.");
        return null;
    }

    private static string Km(double? metres) => metres is { } m ? (m / 1000).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";

    private static string Times(double? ratio) => ratio is { } r ? r.ToString("0.0", CultureInfo.InvariantCulture) + "×" : "n/a";

    private static string Num(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
