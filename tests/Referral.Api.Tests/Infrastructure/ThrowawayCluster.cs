using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Referral.Api.Tests.Infrastructure;

/// <summary>
/// A throwaway primary (scripts/localdb.sh) and, on demand, its streaming standby (scripts/standby.sh), each on a free
/// loopback port, in a temporary directory: tests stop and start them without touching the shared cluster.
/// </summary>
internal sealed class ThrowawayCluster : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("referral-cluster-").FullName;

    public ThrowawayCluster()
    {
        PrimaryPort = FreePort();
        do
        {
            StandbyPort = FreePort();
        }
        while (StandbyPort == PrimaryPort);
    }

    public int PrimaryPort { get; }

    public int StandbyPort { get; }

    /// <summary>The primary's data directory (scripts/localdb.sh: <c>$REFERRAL_PG_DIR/pgdata</c>).</summary>
    public string PrimaryDataDirectory => Path.Combine(_dir, "pgdata");

    public string AdminConnectionString => $"Host=127.0.0.1;Port={PrimaryPort};Database=postgres;Username=referral;Password=referral;Timeout=5";

    public Task StartPrimaryAsync() => RunAsync("localdb.sh", "start");

    public Task StopPrimaryAsync(string mode = "immediate") => RunAsync("localdb.sh", "stop", mode);

    public Task StartStandbyAsync() => RunAsync("standby.sh", "start");

    public Task StopStandbyAsync(string mode = "immediate") => RunAsync("standby.sh", "stop", mode);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("standby.sh", "stop", "immediate");
            await RunAsync("localdb.sh", "stop", "immediate");
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private async Task RunAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepoRoot(), "scripts", script));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["REFERRAL_PG_DIR"] = _dir;
        start.Environment["REFERRAL_PG_PORT"] = PrimaryPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["REFERRAL_STANDBY_PORT"] = StandbyPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{script} {string.Join(' ', args)} failed: {await output}{await error}");
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
