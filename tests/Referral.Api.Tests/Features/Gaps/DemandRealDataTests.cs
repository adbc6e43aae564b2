using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.Infrastructure;
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

            var code = await Cli.RunAsync(scope.ServiceProvider, ["gaps", "import", file, "--name", "cli large"], CancellationToken.None);

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

    [Fact]
    public async Task ImportCsv_SpanishHeaders_AndAnEmptyPopulationColumn_AreAccepted()
    {
        var report = await ImportCsvAsync(Client, "censo", """
            nombre;latitud;longitud;poblacion;clase
            San Rafael;9,93;-84,08;;village
            ;10,1;-84,2;;hamlet
            """);

        Assert.Equal(2, report.GetProperty("imported").GetInt32());
        Assert.False(report.GetProperty("dataset").TryGetProperty("population", out _));
        Assert.Equal(2, report.GetProperty("dataset").GetProperty("with_class").GetInt32());
        Assert.Contains(report.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("1 settlement(s) have no name", StringComparison.Ordinal));
        var stored = await Factory.WithDbAsync(db => Task.FromResult(db.DemandPoints.OrderBy(p => p.Seq).Select(p => p.Name + "|" + p.SettlementClass).ToList()));
        Assert.Equal(["San Rafael|village", "|hamlet"], stored);
    }

    [Fact]
    public async Task ImportCsv_ValidOnly_StoresTheValidRows_AndReportsTheRest()
    {
        const string Csv = """
            name,lat,lng,population
            A,9.9,-84.1,100
            B,9.8,-84.1,
            C,95,-84.1,10
            D,9.7,-84.1,20
            """;

        var refused = await Client.PostAsync("/api/demand_datasets?name=strict", new StringContent(Csv, Encoding.UTF8, "text/csv"));
        var lenient = await Client.PostAsync("/api/demand_datasets?name=lenient&valid_only=true", new StringContent(Csv, Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, lenient.StatusCode);
        var body = await lenient.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("imported").GetInt32());
        Assert.Equal(2, body.GetProperty("rejected").GetInt32());
        Assert.Equal(["rows[2].population", "rows[3].lat"], body.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(120, body.GetProperty("dataset").GetProperty("population").GetInt64());
    }

    [Fact]
    public async Task ImportCsv_ControlCharacterAndLength_HaveTheirOwnMessages()
    {
        var csv = $"name,lat,lng\n\"Bad\u0001name\",9.9,-84.1\n{new string('x', 300)},9.8,-84.1\n";

        var response = await Client.PostAsync("/api/demand_datasets?name=text", new StringContent(csv, Encoding.UTF8, "text/csv"));

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        var errors = problem.GetProperty("errors");
        Assert.Contains("control character", errors.GetProperty("rows[1].name")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("300 characters long", errors.GetProperty("rows[2].name")[0].GetString(), StringComparison.Ordinal);
    }
}
