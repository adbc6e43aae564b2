using System.Text.Json;
using System.Text.RegularExpressions;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.CommandLine;

/// <summary>
/// The README's commands, run as written (plus <c>--no-build -c Release</c>, so the test does not rebuild): their stdout
/// is the data alone, and <c>make run</c> honours ASPNETCORE_URLS and ASPNETCORE_ENVIRONMENT.
/// </summary>
public sealed partial class DocumentedCommandsTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

#if DEBUG
    private static readonly string[] NoBuild = ["--no-build", "-c", "Debug"];
#else
    private static readonly string[] NoBuild = ["--no-build", "-c", "Release"];
#endif

    private static string Readme => File.ReadAllText(Path.Combine(AppProcess.RepoRoot, "README.md"));

    /// <summary>The README's command line that contains <paramref name="fragment"/>, without a shell redirection or pipe.</summary>
    private static string[] Documented(string fragment)
    {
        var line = Readme.Split('\n').Single(l => l.Contains(fragment, StringComparison.Ordinal));
        line = Regex.Split(line, @"\s[>|#]")[0].Trim();
        return Words().Matches(line).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Value).ToArray();
    }

    [GeneratedRegex(@"dotnet run --project src/Referral\.Api[^\n`]*")]
    private static partial Regex DotnetRun();

    [GeneratedRegex("\"([^\"]*)\"|\\S+")]
    private static partial Regex Words();

    /// <summary>Runs a documented <c>dotnet run …</c> line without rebuilding (the options go before <c>--</c>).</summary>
    private async Task<AppProcess.Result> RunDocumentedAsync(string[] words)
    {
        Assert.Equal("dotnet", words[0]);
        Assert.Equal("run", words[1]);
        var split = Array.IndexOf(words, "--");
        string[] args = [.. words[1..split], .. NoBuild, .. words[split..]];
        return await AppProcess.RunAsync("dotnet", args, AppProcess.Environment(Factory.ConnectionString), Limit);
    }

    [Fact]
    public async Task ExportToStdout_AsDocumented_IsNdjson_LineByLine()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Export one"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Export two", lat: 10.0, lng: -84.2));

        var words = Documented("-- export - --format hsds --metadata > services.ndjson");
        Assert.Contains("--no-launch-profile", words);
        var run = await RunDocumentedAsync(words);

        Assert.True(run.Code == 0, run.Error);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }
        Assert.Contains("2 services written to standard output", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GapsJson_AsDocumented_ParsesAsJson()
    {
        var file = Path.Combine(Path.GetTempPath(), $"towns-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, "name,lat,lng,population,region_code\nA,9.9,-84.1,100,CR-SJ\nB,9.8,-84.0,60000,CR-SJ\n");
        try
        {
            var imported = await CliRunner.RunAsync(Factory, "gaps", "import", file, "--name", "documented towns");
            Assert.True(imported.Code == 0, imported.Error);

            var words = Documented("-- gaps [run] [--dataset NAME|ID]");
            Assert.Contains("--no-launch-profile", words);
            var split = Array.IndexOf(words, "--");
            var run = await RunDocumentedAsync([.. words[..(split + 2)], "--dataset", "documented towns", "--categories", "police", "--json"]);

            Assert.True(run.Code == 0, run.Error);
            using var doc = JsonDocument.Parse(run.Out);
            Assert.Equal("succeeded", doc.RootElement.GetProperty("status").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void EveryDocumentedDotnetRunCommand_SkipsTheLaunchProfile()
    {
        var commands = DotnetRun().Matches(Readme).Select(m => m.Value).ToList();
        Assert.NotEmpty(commands);
        foreach (var command in commands)
        {
            Assert.Contains(" --no-launch-profile -- ", command, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MakeRun_HonoursAspNetCoreUrlsAndEnvironment()
    {
        var port = AppProcess.FreePort();
        var environment = AppProcess.Environment(Factory.ConnectionString);
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        environment["ASPNETCORE_ENVIRONMENT"] = "Staging";
        // The database is migrated already; the demo seed is not what this test is about.
        environment["Seeding__Enabled"] = "false";
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = AppProcess.Start("make", ["--no-print-directory", "run", $"RUN_ARGS={string.Join(' ', NoBuild)}"], environment, output.Enqueue);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow + Limit;
            HttpResponseMessage? live = null;
            while (live is null && DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    live = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/live"));
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(500);
                }
            }
            var log = string.Join('\n', output);
            Assert.True(live is { IsSuccessStatusCode: true }, $"make run did not serve on port {port}:\n{log}");
            Assert.Contains("Hosting environment: Staging", log, StringComparison.Ordinal);
            Assert.DoesNotContain("Using launch settings", log, StringComparison.Ordinal);
        }
        finally
        {
            AppProcess.Stop(process);
        }
    }
}
