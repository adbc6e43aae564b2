using System.Diagnostics;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Ogc;

/// <summary>An app on a real loopback port, for programs outside the test process (GDAL, OWSLib).</summary>
public sealed class RealServerFixture : IAsyncLifetime
{
    public ReferralApiFactory Factory { get; } = new() { RealServer = true };

    public Task InitializeAsync() => Factory.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RealServerCollection : ICollectionFixture<RealServerFixture>
{
    public const string Name = "real-server";
}

/// <summary>Runs the GIS clients nobody here wrote: GDAL's ogrinfo/ogr2ogr and OWSLib (Debian's python3-owslib).</summary>
internal static class GisClients
{
    /// <summary>Debian's interpreter, which has python3-owslib (the python3 first on PATH may be another one).</summary>
    public const string Python = "/usr/bin/python3";

    public static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        // The server is on loopback: never through a proxy; no HTTP cache between calls.
        start.Environment["NO_PROXY"] = start.Environment["no_proxy"] = "127.0.0.1,localhost";
        start.Environment["GDAL_HTTP_TIMEOUT"] = "60";
        start.Environment["CPL_VSIL_CURL_NON_CACHED"] = "/vsicurl/http://127.0.0.1";
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"{program} is not installed ({ex.Message}). The GIS-client tests need Debian's gdal-bin and python3-owslib: " +
                "run scripts/test-tools.sh as root (make test and .ci/run do), or apt-get install -y gdal-bin python3-owslib.");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout;
            Assert.True(process.ExitCode == 0,
                $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stderr}\n{output[..Math.Min(output.Length, 2000)]}");
            return output;
        }
    }

    /// <summary>Fails with the install command when a client is missing, before any test data is made.</summary>
    public static void Require()
    {
        var missing = new List<string>();
        if (!File.Exists("/usr/bin/ogrinfo") && !OnPath("ogrinfo"))
        {
            missing.Add("gdal-bin");
        }
        if (!File.Exists(Python) || !File.Exists("/usr/lib/python3/dist-packages/owslib/__init__.py"))
        {
            missing.Add("python3-owslib");
        }
        Assert.True(missing.Count == 0, $"Missing GIS clients: {string.Join(", ", missing)}. Install them with scripts/test-tools.sh (as root) " +
            $"or apt-get install -y {string.Join(' ', missing)}; .ci/run and make test do this.");
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program)));
}
