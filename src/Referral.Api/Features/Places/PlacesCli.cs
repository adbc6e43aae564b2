using System.Globalization;
using System.Text.Json;

namespace Referral.Api.Features.Places;

/// <summary>
/// <c>dotnet run --project src/Referral.Api --no-launch-profile -- places import &lt;cities15000.txt|KE.txt|allCountries.txt&gt; [--admin1 admin1CodesASCII.txt]
/// [--country KE,UG] [--min-population 15000] [--dry-run] [--report report.json]</c>: loads GeoNames towns into the gazetteer
/// (<c>/api/places</c>, the region of a point). Exit codes: 0 every row read, 3 some rows were rejected (the rest is stored),
/// 1 bad arguments, 4 unreadable file.
/// </summary>
internal static class PlacesCli
{
    private static readonly JsonSerializerOptions ReportJson = new(Infrastructure.JsonSetup.Options) { WriteIndented = true };

    public static async Task<int> ImportAsync(IServiceProvider services, string path, Dictionary<string, string> values, CancellationToken ct)
    {
        var dryRun = values.ContainsKey("dry-run");
        long minPopulation = 0;
        if (values.TryGetValue("min-population", out var min) && (!long.TryParse(min, NumberStyles.None, CultureInfo.InvariantCulture, out minPopulation)))
        {
            await Console.Error.WriteLineAsync($"places: --min-population must be a whole number, not '{min}'.");
            return 1;
        }
        HashSet<string>? countries = null;
        if (values.TryGetValue("country", out var list))
        {
            countries = [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.ToUpperInvariant())];
            if (countries.Count == 0 || countries.Any(c => c.Length != 2 || !c.All(char.IsAsciiLetterUpper)))
            {
                await Console.Error.WriteLineAsync($"places: --country takes ISO 3166-1 alpha-2 codes separated by commas (KE,UG), not '{list}'.");
                return 1;
            }
        }
        Dictionary<string, string>? admin1 = null;
        try
        {
            if (values.TryGetValue("admin1", out var admin1Path))
            {
                using var reader = new StreamReader(admin1Path);
                admin1 = PlaceImport.ReadAdmin1Names(reader);
            }
            using var input = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
            var import = services.GetRequiredService<PlaceImport>();
            var report = await import.ImportAsync(input, admin1, new PlaceImportOptions(countries, minPopulation, dryRun), ct);
            if (values.TryGetValue("report", out var reportPath))
            {
                await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, ReportJson), ct);
            }
            await PrintAsync(report);
            return report.Rejected.Count > 0 ? 3 : 0;
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"places: cannot read the file: {ex.Message}");
            return 4;
        }
        catch (UnauthorizedAccessException ex)
        {
            await Console.Error.WriteLineAsync($"places: cannot read the file: {ex.Message}");
            return 4;
        }
    }

    private static async Task PrintAsync(PlaceImportReport r)
    {
        var o = Console.Out;
        await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"places: read {r.Read} rows; {(r.DryRun ? "dry run, nothing stored" : $"stored {r.Stored} ({r.Created} new, {r.Updated} updated), {r.Unchanged} unchanged")}; "
            + $"rejected {r.Rejected.Count}; left out {r.NotPopulatedPlaces} not populated places, {r.OtherCountries} of other countries, {r.BelowMinPopulation} below --min-population."));
        await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  countries: {string.Join(", ", r.Countries)}; region codes: {r.RegionCodesMapped} mapped to the directory's provinces, {r.RegionCodesKeptAsGeoNames} kept as GeoNames admin-1 keys (e.g. KE.30)."));
        foreach (var x in r.Rejected)
        {
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  line {x.Line}: {x.Field}: {x.Message}"));
        }
    }
}
