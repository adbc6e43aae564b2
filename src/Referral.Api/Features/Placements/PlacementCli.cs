using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Data.Seeding;
using Referral.Api.Features.Demand;
using Referral.Api.Features.Gaps;
using Referral.Api.Infrastructure;
using Spectre.Console;

namespace Referral.Api.Features.Placements;

/// <summary>
/// <c>dotnet run --project src/Referral.Api --no-launch-profile -- place …</c>: where should k new sites go? Runs a
/// placement with a progress bar and prints the sites in order and the urban/rural figures before and after. Exit codes:
/// 0 done, 1 bad arguments (or a candidates file without one usable point), 2 the placement failed, 3 done but some rows
/// of the candidates file were skipped (listed on stderr, as the imports list theirs).
/// </summary>
internal static class PlacementCli
{
    private static readonly JsonSerializerOptions Indented = new(JsonSetup.Options) { WriteIndented = true };

    public static async Task<int> RunAsync(IServiceProvider sp, Dictionary<string, string> o, CancellationToken ct)
    {
        var errors = new List<string>();
        double? Double(string key)
        {
            if (!o.TryGetValue(key, out var v))
            {
                return null;
            }
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return d;
            }
            errors.Add($"--{key}: '{v}' is not a number.");
            return null;
        }
        int? Int(string key)
        {
            if (!o.TryGetValue(key, out var v))
            {
                return null;
            }
            if (int.TryParse(v, CultureInfo.InvariantCulture, out var i))
            {
                return i;
            }
            errors.Add($"--{key}: '{v}' is not a whole number.");
            return null;
        }
        var candidates = o.GetValueOrDefault("candidates");
        CandidateFile? file = null;
        if (candidates is not null && !PlacementVocabulary.CandidateSources.Contains(candidates, StringComparer.Ordinal))
        {
            file = await ReadCandidatesAsync(candidates, ct);
            if (file is null)
            {
                return 1;
            }
            candidates = PlacementVocabulary.Points;
        }
        var dataset = o.GetValueOrDefault("dataset") ?? SeedLoader.DemoDatasetName;
        var request = new PlacementRequest
        {
            DatasetId = Guid.TryParse(dataset, out var id) ? id : null,
            Dataset = Guid.TryParse(dataset, out _) ? null : dataset,
            Category = o.GetValueOrDefault("category"),
            K = Int("k"),
            Objective = o.GetValueOrDefault("objective"),
            TargetKm = Double("target-km"),
            TargetMinutes = Double("target-minutes"),
            Candidates = candidates,
            Points = file?.Points,
            CellKm = Double("cell-km"),
            MinSpacingKm = Double("min-spacing-km"),
            WithinRegions = o.TryGetValue("within", out var w) ? w.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
            ReachKm = Double("reach-km"),
            TravelTime = o.ContainsKey("travel") ? new GapTravelRequest() : null,
            Age = Int("age"),
            Language = o.GetValueOrDefault("language"),
            Gender = o.GetValueOrDefault("gender"),
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
            await Console.Error.WriteLineAsync("place: the demo dataset is not loaded yet; loading the seed first …");
            await sp.GetRequiredService<SeedLoader>().RunAsync(ct);
        }
        var start = await CliOutput.WithProgressAsync("place", show: true, bar =>
            sp.GetRequiredService<PlacementService>().StartAsync(request, GapRunMode.Inline, bar?.For<GapProgress>(GapCli.Stage), ct));
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
            await Console.Error.WriteLineAsync($"place: {start.Detail}");
            return 2;
        }
        var placement = start.Placement!;
        if (placement.Status != GapAnalysis.Succeeded)
        {
            await Console.Error.WriteLineAsync($"place: placement {placement.Id} {placement.Status}: {placement.Error}");
            return 2;
        }
        if (o.ContainsKey("json"))
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(placement, Indented));
        }
        else
        {
            Report(CliOutput.Stdout(), placement, start.Status == GapStartStatus.Cached);
        }
        if (o.TryGetValue("out", out var folder))
        {
            Directory.CreateDirectory(folder);
            var csv = Path.Combine(folder, PlacementExports.FileName(placement.Id, "csv"));
            await using (var writer = new StreamWriter(csv, append: false, GapExports.Utf8))
            {
                await PlacementExports.WriteCsvAsync(placement, writer, ct);
            }
            var geojson = Path.Combine(folder, PlacementExports.FileName(placement.Id, "geojson"));
            await using (var stream = File.Create(geojson))
            {
                await PlacementExports.WriteGeoJsonAsync(placement, stream, ct);
            }
            await Console.Out.WriteLineAsync($"Wrote {csv} and {geojson}.");
        }
        return file?.Skipped > 0 ? 3 : 0;
    }

    /// <summary>The usable points of a candidates file and how many rows were skipped.</summary>
    private sealed record CandidateFile(PlacementPoint[] Points, int Skipped);

    /// <summary>
    /// Reads a candidates file with the demand import's parser (<see cref="DemandParser"/>, valid rows only): the same
    /// formats, column spellings and row checks; population, class and region columns are read and ignored. Skipped rows
    /// are listed on stderr; null (after saying why) when the file is missing or holds no usable point.
    /// </summary>
    private static async Task<CandidateFile?> ReadCandidatesAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            await Console.Error.WriteLineAsync($"--candidates: no file '{path}' (or one of {string.Join(", ", PlacementVocabulary.CandidateSources.Where(c => c != PlacementVocabulary.Points))}).");
            return null;
        }
        DemandParse parse;
        var bytes = await File.ReadAllBytesAsync(path, ct);
        var first = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 64)).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (first.StartsWith('{'))
        {
            parse = DemandParser.ReadJson(bytes, validOnly: true);
        }
        else
        {
            using var stream = new MemoryStream(bytes, writable: false);
            parse = await DemandParser.ReadCsvAsync(stream, validOnly: true, ct);
        }
        var skipped = parse.InvalidRows.Count;
        if (parse.ErrorCount > 0)
        {
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"--candidates {path}: {(parse.Rows.Count == 0 ? "no usable point" : $"skipped {skipped:N0} invalid row(s) of {parse.RowsRead:N0}")}:"));
            foreach (var (field, messages) in parse.Errors.ToDictionary())
            {
                await Console.Error.WriteLineAsync($"  {field}: {string.Join(" ", messages)}");
            }
        }
        if (parse.Rows.Count == 0)
        {
            return null;
        }
        return new CandidateFile(
            [.. parse.Rows.Select(r => new PlacementPoint(r.Name.Length > 0 ? r.Name : $"row {r.Row}", r.Lat, r.Lng))], skipped);
    }

    /// <summary>The sites in pick order, then urban and rural before → after, then the guarantee.</summary>
    internal static void Report(IAnsiConsole console, PlacementDocument p, bool cached)
    {
        var r = p.Results!;
        var o = p.Options;
        var inv = CultureInfo.InvariantCulture;
        var target = o.TravelTime is null ? string.Create(inv, $"{o.TargetKm:0.#} km") : string.Create(inv, $"{o.TargetMinutes:0.#} min (estimate)");
        console.WriteLine(string.Create(inv, $"Placement {p.Id} of \"{p.Dataset.Name}\": {o.K} new '{o.Category}' site(s), {o.Objective}, target {target}"));
        console.WriteLine(string.Create(inv, $"{r.Totals.Settlements:N0} settlements, {r.Totals.Candidates:N0} candidates ({o.Candidates}), {r.Totals.CandidatesReaching:N0} helping someone, {r.Totals.Pairs:N0} pairs; {(cached ? "reused (same inputs; --force recomputes)" : $"computed in {p.DurationS:0.0} s")}."));
        var unit = PlacementExports.GainUnit(o).Replace('_', ' ');
        var sites = CliOutput.NewTable(["#", "site", "class", "region", "lat", "lng", unit, "cumulative", "served", "served u", "served r", "mean r km"], column => column is 1 or 2 or 3);
        foreach (var s in r.Sites)
        {
            sites.Row([
                s.Rank.ToString(inv), s.Name, s.SettlementClass ?? "-", s.RegionCode ?? "-", s.Latitude.ToString("0.0000", inv), s.Longitude.ToString("0.0000", inv),
                s.Gain.ToString("N0", inv), s.Cumulative.ToString("N0", inv), GapAggregator.Percent(s.After.ServedShare),
                GapAggregator.Percent(s.After.UrbanServedShare), GapAggregator.Percent(s.After.RuralServedShare), Km(s.After.RuralMeanDistanceM),
            ]);
        }
        console.Write(sites);
        var figures = CliOutput.NewTable(["", "served", "mean km", "median km", .. o.ThresholdsKm.Select(t => string.Create(inv, $"≤{t:0.#} km"))]);
        foreach (var (label, before, after) in new[] { ("all", r.Before.All, r.After.All), ("urban", r.Before.Urban, r.After.Urban), ("rural", r.Before.Rural, r.After.Rural) })
        {
            figures.Row([$"{label} before", GapAggregator.Percent(before.ServedShare), Km(before.MeanDistanceM), Km(before.MedianDistanceM), .. before.Within.Select(x => GapAggregator.Percent(x.Share))]);
            figures.Row([$"{label} after", GapAggregator.Percent(after.ServedShare), Km(after.MeanDistanceM), Km(after.MedianDistanceM), .. after.Within.Select(x => GapAggregator.Percent(x.Share))]);
        }
        figures.Row(["rural ÷ urban before", Ratio(r.Before.RuralToUrban.ServedShare), Ratio(r.Before.RuralToUrban.MeanDistance), Ratio(r.Before.RuralToUrban.MedianDistance), .. r.Before.RuralToUrban.Within.Select(x => Ratio(x.Share))]);
        figures.Row(["rural ÷ urban after", Ratio(r.After.RuralToUrban.ServedShare), Ratio(r.After.RuralToUrban.MeanDistance), Ratio(r.After.RuralToUrban.MedianDistance), .. r.After.RuralToUrban.Within.Select(x => Ratio(x.Share))]);
        console.Write(figures);
        console.WriteLine(r.Headline);
        console.WriteLine(r.Rules.Guarantee);
    }

    private static string Km(double? metres) => metres is { } m ? (m / 1000).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";

    private static string Ratio(double? ratio) => ratio is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
}
