using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Features.Places;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Places;

/// <summary>
/// Issue 12, item 10: <c>places import</c> loads GeoNames dump files (cities15000.txt, KE.txt, allCountries.txt) into the
/// gazetteer, so <c>/api/places?q=Nairobi</c> finds Nairobi; rows it cannot read are reported by line, field and reason.
/// </summary>
public sealed class PlaceImportTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    /// <summary>A GeoNames dump row: 19 tab-separated columns.</summary>
    private static string Row(string id, string name, string lat, string lng, string featureClass, string featureCode, string country, string admin1, string population) =>
        string.Join('\t', id, name, name, "", lat, lng, featureClass, featureCode, country, "", admin1, "", "", "", population, "", "1795", "Africa/Nairobi", "2024-01-01");

    private static readonly string Dump = string.Join('\n',
        Row("184745", "Nairobi", "-1.28333", "36.81667", "P", "PPLC", "KE", "30", "2750547"),
        Row("186301", "Mombasa", "-4.05466", "39.66359", "P", "PPLA", "KE", "19", "799668"),
        Row("3621849", "San José", "9.93333", "-84.08333", "P", "PPLC", "CR", "08", "335007"),
        Row("232422", "Kampala", "0.31628", "32.58219", "P", "PPLC", "UG", "C", "1353189"),
        Row("6295630", "Mount Kenya", "-0.15", "37.3", "T", "MT", "KE", "", "0"),
        "184622\tNakuru\tNakuru\t\t-0.28333\t36.06667\tP\tPPLA\tKE\t\t32\t\t\t\t570674\t\t1859\tAfrica/Nairobi",
        Row("192900", "Kisumu", "91.5", "34.76", "P", "PPLA", "KE", "17", "409928"),
        Row("191220", "Kericho", "-0.36774", "35.28314", "P", "PPLA", "KE", "", "12k"),
        Row("1", "", "-1", "36", "P", "PPL", "KE", "30", "100"),
        Row("186827", "Meru", "0.04626", "37.65587", "P", "PPLA", "K1", "", "240900"),
        Row("x12", "Thika", "-1.03326", "37.06933", "P", "PPL", "KE", "", "200000"),
        "") + "\n";

    private const string Admin1 = "KE.30\tNairobi Area\tNairobi Area\t184742\nKE.19\tMombasa\tMombasa\t186299\nCR.08\tSan José\tSan Jose\t3621837\n";

    private Task<(int Code, string Out, string Error)> RunAsync(params string[] args) =>
        CliRun.RunAsync(Factory, sp => PlacesCli.RunAsync(sp, args, CancellationToken.None));

    private static async Task<string> FileAsync(DirectoryInfo folder, string name, string text)
    {
        var path = Path.Combine(folder.FullName, name);
        await File.WriteAllTextAsync(path, text, new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public async Task PlacesImport_StoresPopulatedPlaces_MapsAdmin1Keys_AndReportsEveryRejectedRowExactly()
    {
        // The directory knows Nairobi's province under its ISO 3166-2 code and name (as a Natural Earth admin-1 import gives it),
        // and Costa Rica's San José province (the embedded GeoNames table maps CR.08 to it).
        var square = (string code, string name, string parent) =>
            $$$"""{"type":"Feature","properties":{"code":"{{{code}}}","name":"{{{name}}}","level":1,"parent_code":"{{{parent}}}"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}""";
        var regions = $$$"""{"type":"FeatureCollection","features":[{{{square("KE-30", "Nairobi", "KE")}}},{{{square("CR-SJ", "San José", "CR")}}}]}""";
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/api/regions", new StringContent(regions, Encoding.UTF8, "application/geo+json"))).StatusCode);
        var folder = Directory.CreateTempSubdirectory("places-import-");
        try
        {
            var dump = await FileAsync(folder, "cities15000.txt", Dump);
            var admin1 = await FileAsync(folder, "admin1CodesASCII.txt", Admin1);
            var reportPath = Path.Combine(folder.FullName, "report.json");

            var (code, output, error) = await RunAsync("import", dump, "--admin1", admin1, "--report", reportPath);

            Assert.True(code == 3, output + error);
            var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath)).RootElement;
            var rejected = report.GetProperty("rejected").EnumerateArray()
                .Select(r => $"{r.GetProperty("line").GetInt32()} {r.GetProperty("field").GetString()}: {r.GetProperty("message").GetString()}").ToList();
            Assert.Equal(
            [
                "6 row: has 18 tab-separated columns; a GeoNames dump row has 19.",
                "7 latitude: '91.5' is not a latitude between -90 and 90.",
                "8 population: '12k' is not a whole number of people.",
                "9 name: is empty.",
                "10 country code: 'K1' is not an ISO 3166-1 alpha-2 code.",
                "11 geonameid: 'x12' is not a positive whole number.",
            ], rejected);
            Assert.Equal((11, 4, 4, 1), (report.GetProperty("read").GetInt32(), report.GetProperty("stored").GetInt32(),
                report.GetProperty("created").GetInt32(), report.GetProperty("not_populated_places").GetInt32()));
            Assert.Contains("line 6: row: has 18 tab-separated columns", output, StringComparison.Ordinal);

            var places = await Factory.WithDbAsync(db => db.Places.AsNoTracking().OrderBy(p => p.GeonamesId).ToListAsync());
            Assert.Equal(
                [(184745, "Nairobi", "KE", "KE-30"), (186301, "Mombasa", "KE", "KE.19"), (232422, "Kampala", "UG", "UG.C"), (3621849, "San José", "CR", "CR-SJ")],
                places.Select(p => (p.GeonamesId, p.Name, p.Country, p.RegionCode)));
            Assert.Equal(2_750_547, places[0].Population);
            Assert.Equal((-1.28333, 36.81667), (places[0].Point.Y, places[0].Point.X));

            var found = await Public.GetFromJsonAsync<JsonElement>("/api/places?q=Nairobi");
            Assert.Equal("Nairobi", found.GetProperty("contents")[0].GetProperty("name").GetString());

            // Again, only Kenya and with a population floor: nothing changes, nothing is written.
            var again = await RunAsync("import", dump, "--admin1", admin1, "--country", "KE", "--min-population", "1000000", "--report", reportPath);
            var second = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath)).RootElement;
            Assert.Equal((0, 1, 3, 1), (second.GetProperty("stored").GetInt32(), second.GetProperty("unchanged").GetInt32(),
                second.GetProperty("other_countries").GetInt32(), second.GetProperty("below_min_population").GetInt32()));
            Assert.Equal(3, again.Code);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PlacesImport_BadArguments_AndAMissingFile_AreClearErrors()
    {
        Assert.Equal(1, (await RunAsync("import")).Code);
        Assert.Equal(1, (await RunAsync("import", "x.txt", "--country", "Kenya")).Code);
        var missing = await RunAsync("import", Path.Combine(Path.GetTempPath(), "no-such-geonames-file.txt"));
        Assert.Equal(4, missing.Code);
        Assert.Contains("cannot read the file", missing.Error, StringComparison.Ordinal);
    }
}
