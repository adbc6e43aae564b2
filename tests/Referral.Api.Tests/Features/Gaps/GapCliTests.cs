using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary><c>dotnet run --project src/Referral.Api -- gaps …</c>: the demo out of the box, imports, the printed table.</summary>
public sealed class GapCliTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // Start empty, as a fresh install: `gaps` must load the demo seed (with its own taxonomy) by itself.
    public override Task InitializeAsync() => Factory.ResetDatabaseAsync();

    private async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        return await CliRunner.RunAsync(Factory, ["gaps", .. args]);
    }

    [Fact]
    public async Task Gaps_OnAFreshDatabase_LoadsTheDemo_AndPrintsTheUrbanRuralTable()
    {
        var folder = Directory.CreateTempSubdirectory("gaps-cli-");
        try
        {
            var (code, output, error) = await RunAsync("--categories", "police,helpline,shelter", "--travel", "--out", folder.FullName);

            Assert.True(code == 0, error);
            Assert.Contains("loading the seed", error, StringComparison.Ordinal);
            // stderr is not a terminal here: no progress bar at all (CliOutputTests checks a real piped process).
            Assert.DoesNotContain("100%", error, StringComparison.Ordinal);
            Assert.Contains("demo: Costa Rica towns (GeoNames)", output, StringComparison.Ordinal);
            var header = output.Split('\n').Single(l => l.TrimStart().StartsWith("category", StringComparison.Ordinal));
            Assert.Contains("mean u", header, StringComparison.Ordinal);
            Assert.Contains("mean r", header, StringComparison.Ordinal);
            Assert.Contains("ratio", header, StringComparison.Ordinal);
            Assert.Contains(output.Split('\n'), l => l.TrimStart().StartsWith("police ", StringComparison.Ordinal));
            Assert.Contains("minutes: an estimate", output, StringComparison.Ordinal);
            Assert.Contains("rural people live", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder.FullName, "gap-points.geojson")));
            Assert.True(File.Exists(Path.Combine(folder.FullName, "gap-regions.geojson")));
            Assert.True(File.Exists(Path.Combine(folder.FullName, "gap-table.csv")));

            var again = await RunAsync("--categories", "police,helpline,shelter", "--travel");
            Assert.Contains("Reused the results", again.Out, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Gaps_Import_ThenRun_AndBadArgumentsExitWith1()
    {
        await TestData.EnsureCategoriesAsync(Factory);
        var file = Path.Combine(Path.GetTempPath(), $"gaps-cli-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, "name,lat,lng,population,region_code\nA,9.9,-84.1,100,CR-SJ\nB,9.8,-84.0,60000,CR-SJ\n");
        try
        {
            var imported = await RunAsync("import", file, "--name", "cli towns");
            var invalid = await RunAsync("import", file, "--name", "cli towns");
            var run = await RunAsync("--dataset", "cli towns", "--categories", "police", "--json");
            var bad = await RunAsync("--dataset", "cli towns", "--categories", "astrology");
            var usage = await RunAsync("import");
            var listed = await RunAsync("list");

            Assert.Equal(0, imported.Code);
            Assert.Contains("Imported \"cli towns\"", imported.Out, StringComparison.Ordinal);
            Assert.Equal(1, invalid.Code);
            Assert.Equal(0, run.Code);
            Assert.Contains("\"status\": \"succeeded\"", run.Out, StringComparison.Ordinal);
            Assert.Equal(1, bad.Code);
            Assert.Contains("--categories", bad.Error, StringComparison.Ordinal);
            Assert.Equal(1, usage.Code);
            Assert.Contains("Usage:", usage.Error, StringComparison.Ordinal);
            Assert.Contains("gaps import <file>", usage.Error, StringComparison.Ordinal);
            Assert.Contains("cli towns", listed.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
