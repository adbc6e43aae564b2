namespace Referral.Api.Features.Exports;

/// <summary>
/// <c>dotnet run --project src/Referral.Api -- export &lt;file&gt; --format hsds|hsds-csv|geojson|csv [--exact] [--metadata]</c>.
/// The CLI runs as a system admin, but exports locations as the public sees them unless <c>--exact</c> is given.
/// </summary>
internal static class ExportCli
{
    public const string Usage = """
        usage: export <file|-> [--format hsds|hsds-csv|geojson|csv] [--exact] [--metadata]
          The format defaults from the file name (.ndjson/.jsonl hsds, .zip hsds-csv, .geojson, .csv); '-' writes to standard output.
          --exact includes hidden and approximate locations exactly as they are: keep such a file confidential.
        """;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal) && args[0] != "-")
        {
            await Console.Error.WriteLineAsync(Usage);
            return 1;
        }
        var path = args[0];
        string? formatName = null;
        bool exact = false, metadata = false;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--exact":
                    exact = true;
                    break;
                case "--metadata":
                    metadata = true;
                    break;
                case "--format" when i + 1 < args.Length:
                    formatName = args[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"export: unexpected argument '{args[i]}'.\n{Usage}");
                    return 1;
            }
        }
        formatName ??= Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".ndjson" or ".jsonl" or ".json" => "hsds",
            ".zip" => "hsds-csv",
            ".geojson" => "geojson",
            ".csv" => "csv",
            _ => null,
        };
        if (formatName is null || !ExportOptions.ByName.TryGetValue(formatName, out var format))
        {
            await Console.Error.WriteLineAsync($"export: give --format hsds, hsds-csv, geojson or csv.\n{Usage}");
            return 1;
        }
        var options = new ExportOptions(format, exact, metadata);
        var queries = services.GetRequiredService<ExportQueries>();
        long count;
        if (path == "-")
        {
            await using var stdout = Console.OpenStandardOutput();
            count = await ExportWriter.WriteAsync(stdout, options, queries, ct);
        }
        else
        {
            await using var file = File.Create(path);
            count = await ExportWriter.WriteAsync(file, options, queries, ct);
        }
        await Console.Error.WriteLineAsync(
            $"export: {count} {(format is ExportFormat.Csv or ExportFormat.GeoJson ? "rows" : "services")} written to {(path == "-" ? "standard output" : path)}, "
            + (exact ? "with EXACT locations (hidden and approximate ones included): keep this file confidential." : "with locations as the public sees them."));
        return 0;
    }
}
