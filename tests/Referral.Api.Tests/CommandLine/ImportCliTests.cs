using Referral.Api.Tests.Features.Imports;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.CommandLine;

/// <summary><c>import</c> from the command line: the report's wording (issue 16).</summary>
public sealed class ImportCliTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    /// <summary>Two valid rows (one country as a code, one as a name); <see cref="CliOutputTests"/> pipes it too.</summary>
    internal const string Csv = """
        id,name,category,lat,lon,phone,address,city,country
        P1,Comisaría Central,police,9.9333,-84.0833,+506 2222 3333,Calle 1,San José,CR
        P2,Línea 1147,helpline,9.94,-84.07,1147,Calle 2,San José,Costa Rica

        """;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ImportApi.AddCountriesAsync(Factory);
    }

    [Fact]
    public async Task DryRun_SaysWhatItWouldCreate_NotCreated0_AndWritesNothing()
    {
        var file = Path.Combine(Path.GetTempPath(), $"import-cli-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, Csv);
        try
        {
            var run = await CliRunner.RunAsync(Factory, "import", file, "--dry-run", "--quiet");

            Assert.True(run.Code == 0, run.Error);
            Assert.Contains("services       would create 2, would update 0, would leave 0 unchanged", run.Out, StringComparison.Ordinal);
            Assert.Contains("locations      would create 2", run.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("created 0", run.Out, StringComparison.Ordinal);
            Assert.Equal(0, await Factory.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Services)));

            var real = await CliRunner.RunAsync(Factory, "import", file, "--quiet");
            Assert.True(real.Code == 0, real.Error);
            Assert.Contains("services       created 2, updated 0, unchanged 0", real.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Rejections_NameTheUsersColumnAndLine_NotJsonPaths()
    {
        var file = Path.Combine(Path.GetTempPath(), $"import-cli-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, """
            id,name,category,lat,lng,phone,country
            R1,Comisaría Central,police,9.9333,-84.0833,+506 2222 3333,CR
            R2,Fuera de rango,police,99.5,-84.07,+506 2222 3333,CR

            """);
        try
        {
            var run = await CliRunner.RunAsync(Factory, "import", file, "--dry-run", "--quiet");

            Assert.True(run.Code == 3, run.Error); // rejections
            Assert.Contains($"{Path.GetFileName(file)}:3 [R2] lat: ", run.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("service_at_locations", run.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
