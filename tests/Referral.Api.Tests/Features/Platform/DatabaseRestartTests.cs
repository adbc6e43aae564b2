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
/// The database crashing and coming back under a write and read load: requests fail fast with 503 while it is down, the
/// app recovers by itself once it is back, and every write that was acknowledged (201) is still there, with its audit
/// entry. Nested service writes (service + location + phones, in one transaction) are all or nothing: an acknowledged one
/// is complete, and one answered 503 left no row at all (issue 11 item 11).
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
        await TestData.EnsureCategoriesAsync(_factory);
        var owner = await TestData.CreateOrganizationAsync(client, "Owner of the nested writes");
        var acknowledged = new ConcurrentDictionary<Guid, DateTime>();
        var services = new ConcurrentDictionary<Guid, NestedIds>();
        var refused = new ConcurrentBag<NestedIds>();
        var reads = new ConcurrentBag<(HttpStatusCode Status, string? Code)>();
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

        // A nested service write with ids chosen here, so that the rows of a refused one can be looked for afterwards.
        async Task ServiceLoopAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                var ids = new NestedIds(Guid.NewGuid(), Guid.NewGuid(), [Guid.NewGuid(), Guid.NewGuid()]);
                var doc = TestData.Service(owner, $"Nested write {n}", 9.9 + (n % 100) / 1000.0, -84.1);
                doc["id"] = ids.Service;
                doc["service_at_locations"]![0]!["location"]!["id"] = ids.Location;
                doc["phones"] = new System.Text.Json.Nodes.JsonArray([.. ids.Phones.Select((id, i) => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
                {
                    ["id"] = id,
                    ["number"] = $"+5060000{n % 1000:000}{i}",
                })]);
                var clock = Stopwatch.StartNew();
                using var response = await client.PostAsJsonAsync("/api/services", doc);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    services[ids.Service] = ids;
                }
                else
                {
                    refused.Add(ids);
                    failures.Add((response.StatusCode, await CodeAsync(response), response.Headers.RetryAfter is not null, clock.Elapsed));
                    await Task.Delay(100);
                }
            }
        }

        async Task ReadLoopAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var url in new[] { "/api/services?per_page=5", "/api/nearest?lat=9.93&lng=-84.1", "/graphql?query=%7Bservices(first%3A3)%7BtotalCount%7D%7D" })
                {
                    using var response = await client.GetAsync(url);
                    reads.Add((response.StatusCode, await CodeAsync(response)));
                }
                await Task.Delay(50);
            }
        }

        var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(WriteLoopAsync))
            .Concat(Enumerable.Range(0, 2).Select(_ => Task.Run(ServiceLoopAsync)))
            .Append(Task.Run(ReadLoopAsync)).ToArray();
        await WaitForAsync(() => acknowledged.Count >= 20 && services.Count >= 10, TimeSpan.FromSeconds(60), "writes before the crash");

        await LocalDbAsync("stop", "immediate"); // as if the server crashed: no checkpoint, every connection cut
        await WaitForAsync(() => failures.Count >= 5, TimeSpan.FromSeconds(30), "failures while the database is down");
        var acknowledgedBefore = acknowledged.Count;
        await LocalDbAsync("start"); // crash recovery replays the WAL
        restartedAt = DateTime.UtcNow;
        var servicesBefore = services.Count;
        await WaitForAsync(() => acknowledged.Values.Count(t => t > restartedAt) >= 20 && services.Count >= servicesBefore + 10, TimeSpan.FromSeconds(90), "writes after the restart");

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

        // Reads while it was down: 503 with the stable code, never a 500 (GraphQL answers 200 with the code in errors[]).
        Assert.All(reads, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"a read answered {(int)r.Status} {r.Code}"));
        Assert.All(reads.Where(r => r.Status != HttpStatusCode.OK || r.Code is not null), r => Assert.Equal("SERVICE_UNAVAILABLE", r.Code));
        Assert.Contains(reads, r => r.Code == "SERVICE_UNAVAILABLE");

        // Every acknowledged nested write is complete. A refused one is all or nothing: either no row of any of its parts,
        // or — only for a write whose commit reached the server as it was killed, so its answer never came back (in doubt:
        // no server can tell that client otherwise; the ids it chose find the record) — every part, audit entry included.
        Assert.NotEmpty(refused);
        async Task<long> CountAsync(string sql, Guid[] keys)
        {
            await using var cmd = new NpgsqlCommand(sql, conn) { Parameters = { new("ids", keys) } };
            return (long)(await cmd.ExecuteScalarAsync())!;
        }
        var done = services.Values.ToArray();
        Assert.Equal((long)done.Length, await CountAsync("SELECT count(*) FROM service WHERE id = ANY(@ids)", [.. done.Select(x => x.Service)]));
        Assert.Equal((long)done.Length, await CountAsync("SELECT count(*) FROM location WHERE id = ANY(@ids)", [.. done.Select(x => x.Location)]));
        Assert.Equal((long)done.Length, await CountAsync("SELECT count(*) FROM service_at_location WHERE service_id = ANY(@ids)", [.. done.Select(x => x.Service)]));
        Assert.Equal(2L * done.Length, await CountAsync("SELECT count(*) FROM phone WHERE id = ANY(@ids)", [.. done.SelectMany(x => x.Phones)]));
        var inDoubt = 0;
        foreach (var x in refused)
        {
            long[] parts =
            [
                await CountAsync("SELECT count(*) FROM service WHERE id = ANY(@ids)", [x.Service]),
                await CountAsync("SELECT count(*) FROM location WHERE id = ANY(@ids)", [x.Location]),
                await CountAsync("SELECT count(*) FROM phone WHERE id = ANY(@ids)", x.Phones) / 2,
                await CountAsync("SELECT count(*) FROM audit_entry WHERE entity_id = ANY(@ids) AND action = 'create'", [x.Service]),
            ];
            Assert.True(parts.All(p => p == 0) || parts.All(p => p == 1), $"a refused write left part of itself: {string.Join(", ", parts)}");
            inDoubt += (int)parts[0];
        }
        // At most the writes in flight when the server died: one per service-writing loop.
        Assert.InRange(inDoubt, 0, 2);
        foreach (var x in done.Take(5))
        {
            var read = await client.GetFromJsonAsync<JsonElement>($"/api/services/{x.Service}");
            Assert.Equal(2, read.GetProperty("phones").GetArrayLength());
            Assert.Equal(x.Location, read.GetProperty("service_at_locations")[0].GetProperty("location_id").GetGuid());
        }
    }

    private sealed record NestedIds(Guid Service, Guid Location, Guid[] Phones);

    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            var root = JsonDocument.Parse(body).RootElement;
            return root.TryGetProperty("code", out var c) ? c.GetString()
                : root.TryGetProperty("errors", out var e) && e.GetArrayLength() > 0 ? e[0].GetProperty("extensions").GetProperty("code").GetString()
                : null;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
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
