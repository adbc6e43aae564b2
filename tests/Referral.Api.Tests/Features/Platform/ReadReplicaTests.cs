using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Referral.Api.Data;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>
/// Issue 17, read replicas: a throwaway primary + streaming standby (scripts/localdb.sh, scripts/standby.sh). Reads go
/// to the standby, writes to the primary; the writer reads its own writes at once (its LSN cookie or header) while
/// others read the standby; a stopped standby leaves reads on the primary; a stopped primary leaves reads on the
/// standby while writes answer 503 with Retry-After; nothing acknowledged is lost when the primary comes back.
/// </summary>
public sealed class ReadReplicaTests : IAsyncLifetime, IDisposable
{
    private readonly ThrowawayCluster _cluster = new();
    private ReferralApiFactory? _factory;

    private string ReadConnectionString(string database) =>
        $"Host=127.0.0.1:{_cluster.StandbyPort},127.0.0.1:{_cluster.PrimaryPort};Database={database};Username=referral;Password=referral;" +
        "Target Session Attributes=prefer-standby;Host Recheck Seconds=1;Timeout=3";

    public void Dispose() => _factory?.Dispose();

    public async Task InitializeAsync()
    {
        await _cluster.StartPrimaryAsync();
        // Durable: an acknowledged commit survives the primary's crash (synchronous_commit = on, as in production).
        _factory = new ReferralApiFactory(_cluster.AdminConnectionString) { Durable = true };
        _factory.Settings["ConnectionStrings:ReferralRead"] = ReadConnectionString(_factory.DatabaseName);
        await ((IAsyncLifetime)_factory).InitializeAsync();
        // The copy is taken once the test database exists and is migrated.
        await _cluster.StartStandbyAsync();
    }

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
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task ReadsFromStandby_WritesToPrimary_ReadYourWrites_AndBothFailovers()
    {
        var factory = _factory!;
        using var writer = factory.CreateClient(factory.AdminKey); // keeps cookies: the LSN cookie of its writes
        using var other = factory.CreateClient(factory.AdminKey); // its own cookie jar: none of the writer's

        // The app's read connection lands on a server in recovery: the standby.
        var topology = factory.Services.GetRequiredService<DatabaseTopology>();
        await using (var read = new NpgsqlConnection(topology.Read))
        {
            await read.OpenAsync();
            Assert.True(await ScalarAsync<bool>(read, "SELECT pg_is_in_recovery()"));
        }
        await WaitForStandbyAsync(factory.DatabaseName);

        // Replay paused: what the standby serves is frozen, so reads that reach it cannot see new writes.
        await OnStandbyAsync(factory.DatabaseName, "SELECT pg_wal_replay_pause()");
        using var created = await writer.PostAsJsonAsync("/api/organizations", new { name = "Replica test", description = "written to the primary" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var lsn = created.Headers.GetValues(DbRoute.LsnHeader).Single();

        // Another client reads the standby: not there yet (proof that reads go to the standby, writes to the primary).
        using (var stale = await other.GetAsync($"/api/organizations/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, stale.StatusCode);
        }
        // The writer reads its own write (its cookie names a position the standby has not replayed: the primary answers).
        using (var own = await writer.GetAsync($"/api/organizations/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }
        // So does any client that sends the position as a header.
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/organizations/{id}"))
        {
            request.Headers.Add(DbRoute.LsnHeader, lsn);
            using var withHeader = await other.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, withHeader.StatusCode);
        }
        // GraphQL queries over POST read like GET: the standby for the other client, the primary for the writer.
        var query = new { query = $"{{ organization(id: \"{id}\") {{ name }} }}" };
        using (var graphStale = await other.PostAsJsonAsync("/graphql", query))
        {
            var data = (await graphStale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
            Assert.Equal(JsonValueKind.Null, data.GetProperty("organization").ValueKind);
        }
        using (var graphOwn = await writer.PostAsJsonAsync("/graphql", query))
        {
            var data = (await graphOwn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
            Assert.Equal("Replica test", data.GetProperty("organization").GetProperty("name").GetString());
        }
        await OnStandbyAsync(factory.DatabaseName, "SELECT pg_wal_replay_resume()");
        await WaitForAsync(async () => (await other.GetAsync($"/api/organizations/{id}")).StatusCode == HttpStatusCode.OK, "the standby to replay the write");

        // Standby stopped: reads go on from the primary (at most a failed attempt on a dead pooled connection: 503, never 500).
        await _cluster.StopStandbyAsync();
        await ReadsWorkAsync(other, id, "reads from the primary while the standby is down");
        await _cluster.StartStandbyAsync();

        // Acknowledged writes, replayed by the standby; then the primary crashes.
        var acknowledged = new List<Guid> { id };
        for (var i = 0; i < 10; i++)
        {
            using var response = await writer.PostAsJsonAsync("/api/organizations", new { name = $"Before the crash {i}", description = "acknowledged" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            acknowledged.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        await WaitForStandbyAsync(factory.DatabaseName);
        await _cluster.StopPrimaryAsync();

        // Reads from the standby; writes 503 with Retry-After.
        await ReadsWorkAsync(other, acknowledged[^1], "reads from the standby while the primary is down");
        using (var list = await other.GetAsync("/api/organizations?per_page=50"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }
        for (var i = 0; i < 3; i++)
        {
            using var refused = await writer.PostAsJsonAsync("/api/organizations", new { name = "While the primary is down", description = "refused" });
            await Problem.AssertAsync(refused, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        // The primary returns: writes work again and every acknowledged write is there, with its audit entry.
        await _cluster.StartPrimaryAsync();
        await WaitForAsync(async () =>
        {
            using var again = await writer.PostAsJsonAsync("/api/organizations", new { name = "After the restart", description = "written" });
            return again.StatusCode == HttpStatusCode.Created;
        }, "writes after the primary came back");
        await using var primary = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(factory.ConnectionString) { Pooling = false }.ConnectionString);
        await primary.OpenAsync();
        Assert.False(await ScalarAsync<bool>(primary, "SELECT pg_is_in_recovery()"));
        await using var stored = new NpgsqlCommand(
            "SELECT count(*) FROM organization o WHERE o.id = ANY(@ids) AND EXISTS (SELECT 1 FROM audit_entry a WHERE a.entity_id = o.id AND a.action = 'create')",
            primary);
        stored.Parameters.AddWithValue("ids", acknowledged.ToArray());
        Assert.Equal((long)acknowledged.Count, (long)(await stored.ExecuteScalarAsync())!);
    }

    /// <summary>Reads of <paramref name="id"/> answer 200 within 15 s; anything else on the way is 503 (never 500).</summary>
    private static async Task ReadsWorkAsync(HttpClient client, Guid id, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.GetAsync($"/api/organizations/{id}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits until the standby has replayed everything the primary has written.</summary>
    private async Task WaitForStandbyAsync(string database)
    {
        await using var primary = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_factory!.ConnectionString) { Pooling = false }.ConnectionString);
        await primary.OpenAsync();
        var target = await ScalarAsync<NpgsqlLogSequenceNumber>(primary, "SELECT pg_current_wal_lsn()");
        await WaitForAsync(async () =>
        {
            await using var standby = new NpgsqlConnection(StandbyConnectionString(database));
            await standby.OpenAsync();
            return await ScalarAsync<NpgsqlLogSequenceNumber?>(standby, "SELECT pg_last_wal_replay_lsn()") is { } replayed && replayed >= target;
        }, "the standby to catch up");
    }

    private string StandbyConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_cluster.StandbyPort};Database={database};Username=referral;Password=referral;Pooling=false;Timeout=5";

    private async Task OnStandbyAsync(string database, string sql)
    {
        await using var standby = new NpgsqlConnection(StandbyConnectionString(database));
        await standby.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, standby);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (NpgsqlException)
            {
                // A server still starting: try again.
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}
