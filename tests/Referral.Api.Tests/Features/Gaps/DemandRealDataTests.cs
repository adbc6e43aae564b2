using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.Features.Gaps;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>Settlement files as they come from real countries: large, with Spanish headers, gaps in columns, unnamed places.</summary>
public sealed class DemandRealDataTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static string Settlements(int count)
    {
        var csv = new StringBuilder("name,lat,lng,population\n");
        for (var i = 0; i < count; i++)
        {
            // A grid over Costa Rica's Central Valley, about 1 km apart.
            csv.Append(CultureInfo.InvariantCulture, $"S{i},{9.5 + (i / 300) * 0.01:F4},{-85.0 + (i % 300) * 0.01:F4},{100 + (i % 50)}\n");
        }
        return csv.ToString();
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(50_000)]
    public async Task ImportCsv_TenThousandRowsOrMore_IsCreated_NotA500(int rows)
    {
        var report = await ImportCsvAsync(Client, $"large {rows}", Settlements(rows));

        Assert.Equal(rows, report.GetProperty("imported").GetInt32());
        Assert.Equal(rows, report.GetProperty("dataset").GetProperty("settlements").GetInt32());
        await ImportCsvAsync(Client, $"large {rows}", Settlements(rows), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task GapsImportCli_TenThousandRows_ExitsZero()
    {
        var file = Path.Combine(Path.GetTempPath(), Path.GetRandomFileName() + ".csv");
        await File.WriteAllTextAsync(file, Settlements(10_000));
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        try
        {
            Console.SetOut(output);
            Console.SetError(error);
            await using var scope = Factory.Services.CreateAsyncScope();

            var code = await GapCli.RunAsync(scope.ServiceProvider, ["import", file, "--name", "cli large"], CancellationToken.None);

            Assert.True(code == 0, error.ToString());
            Assert.Contains("10,000 settlements", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            File.Delete(file);
        }
    }
}
