using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>
/// The database crashing and coming back under a write load: requests fail fast with 503 while it is down, the app
/// recovers by itself once it is back, and every write that was acknowledged (201) is still there, with its audit entry.
/// The test starts its own throwaway cluster with scripts/localdb.sh (REFERRAL_PG_DIR, a free port) so it can kill it
/// without disturbing the other tests.
/// </summary>
public sealed class DatabaseRestartTests : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("referral-restart-").FullName;
    private readonly int _port = FreePort();
    private ReferralApiFactory? _factory;

    public async Task InitializeAsync()
    {
        await LocalDbAsync("start");
        // Durable: PostgreSQL's default synchronous_commit = on, as in production. (Test databases otherwise run with it off,
        // and then a crash loses the last acknowledged commits: this test caught exactly that.)
        _factory = new ReferralApiFactory($"Host=127.0.0.1;Port={_port};Database=postgres;Username=referral;Password=referral;Timeout=5") { Durable = true };
        await ((IAsyncLifetime)_factory).InitializeAsync();
    }

    public void Dispose() => _factory?.Dispose();

    public async Task DisposeAsync()
    {
        try
        {
            if (_factory is not null)
            {
                await ((IAsyncLifetime)_factory).DisposeAsync();
            }
        }
        finally
        {
            await LocalDbAsync("stop", "immediate");
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task DatabaseKilledAndRestartedDuringWrites_Fails503ThenRecovers_AndLosesNothingAcknowledged()
    {
        using var client = _factory!.CreateClient(_factory.AdminKey);
        var acknowledged = new ConcurrentDictionary<Guid, DateTime>();
        var failures = new ConcurrentBag<(HttpStatusCode Status, string? Code, bool RetryAfter, TimeSpan Took)>();
        using var stop = new CancellationTokenSource();
        var restartedAt = DateTime.MaxValue;
        var next = 0;

        async Task WriteLoopAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                var clock = Stopwatch.StartNew();
                using var response = await client.PostAsJsonAsync("/api/organizations", new { name = $"Restart test {n}", description = "written during a database restart" });
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                    acknowledged[id] = DateTime.UtcNow;
                }
                else
                {
                    var body = await response.Content.ReadAsStringAsync();
                    string? code = null;
                    try
                    {
                        code = JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
                    }
                    catch (JsonException)
                    {
                    }
                    failures.Add((response.StatusCode, code, response.Headers.RetryAfter is not null, clock.Elapsed));
                    await Task.Delay(100); // a client honouring Retry-After would wait longer; keep the loop busy
                }
            }
        }

        var writers = Enumerable.Range(0, 3).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
        await WaitForAsync(() => acknowledged.Count >= 20, TimeSpan.FromSeconds(30), "writes before the crash");

        await LocalDbAsync("stop", "immediate"); // as if the server crashed: no checkpoint, every connection cut
        await WaitForAsync(() => failures.Count >= 5, TimeSpan.FromSeconds(30), "failures while the database is down");
        var acknowledgedBefore = acknowledged.Count;
        await LocalDbAsync("start"); // crash recovery replays the WAL
        restartedAt = DateTime.UtcNow;
        await WaitForAsync(() => acknowledged.Values.Count(t => t > restartedAt) >= 20, TimeSpan.FromSeconds(60), "writes after the restart");

        await stop.CancelAsync();
        await Task.WhenAll(writers);

        // While it was down: 503 with the stable code and Retry-After, answered fast; never a 500.
        Assert.NotEmpty(failures);
        Assert.All(failures, f =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, f.Status);
            Assert.Equal("SERVICE_UNAVAILABLE", f.Code);
            Assert.True(f.RetryAfter, "Retry-After missing");
            Assert.True(f.Took < TimeSpan.FromSeconds(10), $"a failing request took {f.Took}");
        });
        Assert.True(acknowledged.Count > acknowledgedBefore, "no write succeeded after the restart");
        using (var ready = await client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // Nothing acknowledged is lost, and every stored organization has its audit entry (no half-written record).
        // (a fresh connection: the test's own pooled ones died with the server)
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_factory.ConnectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        var ids = acknowledged.Keys.ToArray();
        await using var stored = new NpgsqlCommand("SELECT count(*) FROM organization WHERE id = ANY(@ids)", conn) { Parameters = { new("ids", ids) } };
        Assert.Equal((long)ids.Length, (long)(await stored.ExecuteScalarAsync())!);
        await using var audited = new NpgsqlCommand(
            "SELECT count(*) FROM organization o WHERE NOT EXISTS (SELECT 1 FROM audit_entry a WHERE a.entity_id = o.id AND a.action = 'create')", conn);
        Assert.Equal(0L, (long)(await audited.ExecuteScalarAsync())!);
        foreach (var id in ids.Take(5))
        {
            using var read = await client.GetAsync($"/api/organizations/{id}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    private async Task LocalDbAsync(params string[] args)
    {
        var script = Path.Combine(RepoRoot(), "scripts", "localdb.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["REFERRAL_PG_DIR"] = _dir;
        start.Environment["REFERRAL_PG_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"localdb.sh {string.Join(' ', args)} failed: {await output}{await error}");
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", ".."));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
