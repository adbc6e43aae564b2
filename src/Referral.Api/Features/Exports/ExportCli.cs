namespace Referral.Api.Features.Exports;

/// <summary>
/// <c>dotnet run --project src/Referral.Api --no-launch-profile -- export &lt;file&gt; --format hsds|hsds-csv|geojson|csv [--exact] [--metadata]</c>.
/// The CLI runs as a system admin, but exports locations as the public sees them unless <c>--exact</c> is given.
/// </summary>
internal static class ExportCli
{
    public static async Task<int> RunAsync(IServiceProvider services, string path, string? formatName, bool exact, bool metadata, CancellationToken ct)
    {
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
            await Console.Error.WriteLineAsync($"export: cannot tell the format of '{path}' from its name; give --format hsds, hsds-csv, geojson or csv.");
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
