using Referral.Api.Tests.Features.Imports;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.CommandLine;

/// <summary>
/// A verb piped into another program (issue 16): stdout carries the result alone — no ANSI escape, no progress bar, no log
/// line in the middle of a summary or table — and stderr no progress either, since it is not a terminal. The executable
/// runs as its own process with both streams redirected, as in <c>… import services.csv | tee log</c>.
/// </summary>
public sealed class CliOutputTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ImportApi.AddCountriesAsync(Factory);
    }

    [Fact]
    public async Task PipedImportAndGaps_WriteTheResultAlone_WithoutAnsiProgressOrLogLines()
    {
        var folder = Directory.CreateTempSubdirectory("cli-output-");
        try
        {
            var services = Path.Combine(folder.FullName, "services.csv");
            await File.WriteAllTextAsync(services, ImportCliTests.Csv);
            var towns = Path.Combine(folder.FullName, "towns.csv");
            await File.WriteAllTextAsync(towns, "name,lat,lng,population,region_code\nA,9.9,-84.1,100,CR-SJ\nB,9.8,-84.0,60000,CR-SJ\n");

            var import = await AppProcess.RunApiAsync(Factory.ConnectionString, Limit, "import", services);
            var demand = await AppProcess.RunApiAsync(Factory.ConnectionString, Limit, "gaps", "import", towns, "--name", "piped towns");
            var gaps = await AppProcess.RunApiAsync(Factory.ConnectionString, Limit, "gaps", "--dataset", "piped towns", "--categories", "police");

            Assert.True(import.Code == 0, import.Error);
            Assert.True(demand.Code == 0, demand.Error);
            Assert.True(gaps.Code == 0, gaps.Error);
            foreach (var run in new[] { import, gaps })
            {
                foreach (var text in new[] { run.Out, run.Error })
                {
                    Assert.DoesNotContain('\u001b', text);
                    Assert.DoesNotContain('\r', text);
                }
                Assert.DoesNotMatch(@"(?m)^\s*(info|dbug|trce|warn|fail|crit): ", run.Out);
                // No progress on a stream that is not a terminal: neither the bar nor a line per stage.
                Assert.DoesNotMatch(@"\d+ ?%\s", run.Error);
                Assert.DoesNotMatch(@"records\s+[\d,]+/s", run.Error);
            }

            // The import's summary: its lines in order, nothing between them.
            var summary = import.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("  records 2: valid 2, rejected 0", summary[1], StringComparison.Ordinal);
            Assert.StartsWith("  services       created 2, updated 0, unchanged 0", summary[2], StringComparison.Ordinal);
            Assert.StartsWith("  locations      created 2", summary[3], StringComparison.Ordinal);
            Assert.StartsWith("  organizations  ", summary[4], StringComparison.Ordinal);
            Assert.StartsWith("  time: ", summary[^1], StringComparison.Ordinal);

            // The gaps table, laid out whole (never wrapped at 80 columns) with plain box lines.
            var lines = gaps.Out.Split('\n');
            var header = lines.Single(l => l.TrimStart().StartsWith("category ", StringComparison.Ordinal));
            Assert.Matches(@"^\s*category\s+sites\s+mean u\s+mean r\s+ratio\s+.*\s2SFCA r\s+gap\s*$", header);
            Assert.Contains(lines, l => l.TrimStart().StartsWith("police ", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Length > 20 && l.Trim().All(c => c == '─'));
            Assert.Contains("rural people live", gaps.Out, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
