using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Imports;

/// <summary>
/// <c>dotnet run --project src/Referral.Api --no-launch-profile -- import &lt;file|folder&gt; [--format csv|geojson|hsds|hsds-csv] [--mapping m.json]
/// [--dry-run] [--valid-only] …</c>: the same import as <c>POST /api/imports</c>, with a progress bar on the terminal.
/// Exit codes: 0 every record valid (and written, unless a dry run), 3 records were rejected (the report says what was
/// written), 1 bad arguments, 4 unreadable input.
/// </summary>
internal static class ImportCli
{
    public static async Task<int> RunAsync(IServiceProvider services, string path, Dictionary<string, string> given, CancellationToken ct)
    {
        var flags = given.Where(g => g.Value == "true" && g.Key is "dry-run" or "valid-only" or "quiet").Select(g => "--" + g.Key).ToHashSet(StringComparer.Ordinal);
        var values = given.Where(g => g.Key is not ("dry-run" or "valid-only" or "quiet")).ToDictionary(StringComparer.Ordinal);
        try
        {
            var options = await OptionsAsync(path, values, flags, ct);
            using var input = ImportInput.FromPath(path);
            var quiet = flags.Contains("--quiet");
            var importer = services.GetRequiredService<Importer>();
            var clock = Stopwatch.StartNew();
            var report = await CliOutput.WithProgressAsync("import", show: !quiet, bar =>
                importer.RunAsync(input, options, bar?.For<ImportProgress>((b, p) => Progress(b, p, clock.Elapsed)), ct));
            if (values.TryGetValue("report", out var reportPath))
            {
                await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, ReportJson), ct);
            }
            await PrintAsync(report, values.ContainsKey("report"));
            return report.Counts.Rejected > 0 ? 3 : 0;
        }
        catch (ImportInputException ex)
        {
            await Console.Error.WriteLineAsync($"import: {ex.Message}{(ex.Line is { } line && !ex.Message.Contains("line", StringComparison.Ordinal) ? $" (line {line})" : "")}");
            return 4;
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"import: {ex.Message} (import --help lists the options)");
            return 1;
        }
    }

    private static readonly JsonSerializerOptions ReportJson = new(JsonSetup.Options) { WriteIndented = true };

    private static async Task<ImportOptions> OptionsAsync(string path, Dictionary<string, string> values, HashSet<string> flags, CancellationToken ct)
    {
        ImportFormat format;
        if (values.TryGetValue("format", out var name))
        {
            if (!ImportFormats.ByName.TryGetValue(name, out format))
            {
                throw new ArgumentException($"--format: '{name}' is not one of csv, geojson, hsds, hsds-csv.");
            }
        }
        else if (Directory.Exists(path))
        {
            format = ImportFormat.HsdsCsv;
        }
        else
        {
            format = ImportFormats.FromFileName(path) ?? throw new ArgumentException($"cannot tell the format of '{path}'; give --format.");
        }
        var mapping = CsvMapping.Default;
        if (values.TryGetValue("mapping", out var mappingPath))
        {
            if (!File.Exists(mappingPath))
            {
                throw new ArgumentException($"--mapping: no file '{mappingPath}'.");
            }
            mapping = CsvMapping.Parse(await File.ReadAllBytesAsync(mappingPath, ct));
        }
        Guid? organization = null;
        string? organizationName = null;
        if (values.TryGetValue("organization", out var org))
        {
            // An id names an existing organization; anything else is its name (found or created as the import goes).
            if (Guid.TryParse(org, out var id))
            {
                organization = id;
            }
            else
            {
                organizationName = org.Trim();
            }
        }
        var tolerance = 5.0;
        if (values.TryGetValue("border-tolerance-km", out var km) &&
            (!double.TryParse(km, NumberStyles.Float, CultureInfo.InvariantCulture, out tolerance) || tolerance is < 0 or > 1000))
        {
            throw new ArgumentException("--border-tolerance-km must be a number of kilometres between 0 and 1000.");
        }
        var indexes = IndexStrategy.Auto;
        if (values.TryGetValue("indexes", out var strategy) && !Enum.TryParse(strategy, ignoreCase: true, out indexes))
        {
            throw new ArgumentException("--indexes must be auto, keep or rebuild.");
        }
        var country = values.GetValueOrDefault("country")?.ToUpperInvariant();
        if (country is not null && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
        {
            throw new ArgumentException("--country must be an ISO 3166-1 alpha-2 code such as CR.");
        }
        var source = values.GetValueOrDefault("source") ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        if (source.Length is 0 or > Limits.Short || source.Any(char.IsControl))
        {
            throw new ArgumentException("--source must be 1 to 256 characters.");
        }
        return new ImportOptions
        {
            Format = format,
            Source = source,
            DryRun = flags.Contains("--dry-run"),
            Mode = flags.Contains("--valid-only") ? ImportMode.ValidOnly : ImportMode.AllOrNothing,
            Mapping = mapping,
            Country = country,
            OrganizationId = organization,
            OrganizationName = organizationName,
            Language = UnnamedNames.Language(values.GetValueOrDefault("language")),
            BorderToleranceKm = tolerance,
            Indexes = indexes,
        };
    }

    private static async Task PrintAsync(ImportReport report, bool fullReportWritten)
    {
        var o = Console.Out;
        await o.WriteLineAsync(report.Summary);
        var c = report.Counts;
        await o.WriteLineAsync($"  records {c.Records}: valid {c.Valid}, rejected {c.Rejected}, with warnings {c.WithWarnings}");
        foreach (var (what, e) in new[] { ("services", c.Services), ("locations", c.Locations), ("organizations", c.Organizations) })
        {
            // A dry run writes nothing: it says what the import would do (nothing at all when all-or-nothing meets a rejection).
            await o.WriteLineAsync(report.DryRun
                ? $"  {what,-14} would create {e.Created}, would update {e.Updated}, would leave {e.Unchanged} unchanged{(e.Deleted > 0 ? $", would remove {e.Deleted}" : "")}"
                : $"  {what,-14} created {e.Created}, updated {e.Updated}, unchanged {e.Unchanged}{(e.Deleted > 0 ? $", removed {e.Deleted}" : "")}");
        }
        await Issues("rejected", report.Rejected, report.RejectedByCode);
        await Issues("warnings", report.Warnings, report.WarningsByCode);
        foreach (var note in report.Notes)
        {
            await o.WriteLineAsync($"  note: {note}");
        }
        await o.WriteLineAsync($"  time: {string.Join(", ", report.TimingsMs.Select(t => $"{t.Key} {t.Value} ms"))}");
        if (!fullReportWritten && report.Rejected.Count + report.Warnings.Count > 40)
        {
            await o.WriteLineAsync("  (the full list: --report report.json)");
        }

        async Task Issues(string title, IReadOnlyList<ImportIssue> issues, IReadOnlyDictionary<string, long> byCode)
        {
            if (byCode.Count == 0)
            {
                return;
            }
            await o.WriteLineAsync($"  {title}: {string.Join(", ", byCode.OrderByDescending(b => b.Value).Select(b => $"{b.Key} {b.Value}"))}");
            foreach (var i in issues.Take(20))
            {
                await o.WriteLineAsync($"    {i.File}:{i.Line} {(i.SourceId is { } id ? $"[{id}] " : "")}{(i.Field is { } f ? f + ": " : "")}{i.Message} ({i.Code})");
            }
            if (issues.Count > 20)
            {
                await o.WriteLineAsync($"    … {byCode.Values.Sum() - 20} more");
            }
        }
    }

    /// <summary>The import's progress on the bar (shown only on a terminal): bytes read, phase, records and their rate.</summary>
    private static void Progress(CliProgress bar, ImportProgress value, TimeSpan elapsed)
    {
        var fraction = value.TotalBytes > 0 ? Math.Clamp(value.BytesRead / (double)value.TotalBytes, 0, 1) : 0;
        bar.Report(fraction * 100, string.Create(CultureInfo.InvariantCulture,
            $"{value.Phase,-8} {value.Records,10:N0} records {value.Records / Math.Max(elapsed.TotalSeconds, 0.001),9:N0}/s"));
    }
}
