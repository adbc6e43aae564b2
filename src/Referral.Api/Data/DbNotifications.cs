using Microsoft.Extensions.Caching.Memory;
using Npgsql;
using Referral.Api.Features.Jobs;
using Referral.Api.Features.Referrals;

namespace Referral.Api.Data;

/// <summary>
/// Keeps every API instance fresh with PostgreSQL's LISTEN/NOTIFY, on one connection to the primary: a job queued by
/// any instance wakes this instance's worker (<see cref="JobClaims.Channel"/>), and a change to the cached catalog
/// (trigger on taxonomy_term, <see cref="CacheChannel"/>) drops the cached copy here, and so does a change to what vector
/// tiles show (<see cref="Features.Tiles.TileCache"/>), and a change to what the nearest index reads has it reload
/// (<see cref="NearestIndex"/>), as a change to outlines, towns or service areas does the origin index (<see cref="OriginIndex"/>). After a lost connection it
/// reconnects and drops every cache (notifications sent meanwhile are lost).
/// </summary>
internal sealed class DbNotifications(IConfiguration configuration, IMemoryCache cache, JobSignal jobs, Features.Tiles.TileCache tiles,
    NearestIndex nearest, OriginIndex origins, ILogger<DbNotifications> logger) : BackgroundService
{
    /// <summary>Payload: the name of the cache to drop (<see cref="CategoryCatalog.Notification"/>).</summary>
    public const string CacheChannel = "referral_cache";

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _syncs = new();

    // Payload prefix of SyncAsync's own notification.
    private const string SyncPrefix = "sync:";

    /// <summary>Completes once the first LISTEN is in place (tests).</summary>
    internal Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(DataSetup.WithSessionSettings(DataSetup.ConnectionString(configuration)))
        {
            // Its own connection, never returned to a pool; keepalives notice a dead primary.
            Pooling = false,
            KeepAlive = 30,
        }.ConnectionString;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, e) => Handle(e.Channel, e.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {JobClaims.Channel}; LISTEN {CacheChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                DropAll();
                _listening.TrySetResult();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                logger.LogDebug(ex, "LISTEN connection lost; reconnecting");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Returns once this instance has handled every notification committed before the call (its own one, sent now, comes
    /// back after them: PostgreSQL delivers in commit order on one connection), so the in-memory indexes have dropped
    /// whatever those writes changed. Without a listening connection within <paramref name="timeout"/>, drops every cache.
    /// </summary>
    public async Task SyncAsync(TimeSpan timeout, CancellationToken ct)
    {
        var token = SyncPrefix + Guid.NewGuid().ToString("N");
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _syncs[token] = arrived;
        try
        {
            if (_listening.Task.IsCompleted)
            {
                try
                {
                    var connectionString = new NpgsqlConnectionStringBuilder(DataSetup.WithSessionSettings(DataSetup.ConnectionString(configuration)))
                    {
                        Timeout = Math.Max(1, (int)timeout.TotalSeconds),
                    }.ConnectionString;
                    await using var conn = new NpgsqlConnection(connectionString);
                    await conn.OpenAsync(ct);
                    await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", conn);
                    notify.Parameters.AddWithValue("channel", CacheChannel);
                    notify.Parameters.AddWithValue("payload", token);
                    await notify.ExecuteNonQueryAsync(ct);
                    if (await Task.WhenAny(arrived.Task, Task.Delay(timeout, ct)) == arrived.Task)
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
                {
                    // The primary is down or failing over: the caches are dropped below, and the caller's own request
                    // meets the database's state (a 503) as it would have without the barrier.
                    logger.LogDebug(ex, "Notification barrier failed; dropping the caches instead");
                }
            }
            DropAll();
        }
        finally
        {
            _syncs.TryRemove(token, out _);
        }
    }

    private void Handle(string channel, string payload)
    {
        if (channel == CacheChannel && payload.StartsWith(SyncPrefix, StringComparison.Ordinal))
        {
            if (_syncs.TryGetValue(payload, out var arrived))
            {
                arrived.TrySetResult();
            }
            return;
        }
        if (channel == JobClaims.Channel)
        {
            jobs.Wake();
        }
        else if (channel == CacheChannel && payload == CategoryCatalog.Notification)
        {
            CategoryCatalog.Evict(cache);
            tiles.Clear(); // services tiles carry category codes
        }
        else if (channel == CacheChannel && payload == Features.Tiles.TileCache.Notification)
        {
            tiles.Clear();
        }
        else if (channel == CacheChannel && payload == NearestIndex.Notification)
        {
            nearest.Invalidate();
        }
        else if (channel == CacheChannel && payload == OriginIndex.Notification)
        {
            origins.Invalidate();
        }
    }

    private void DropAll()
    {
        CategoryCatalog.Evict(cache);
        tiles.Clear();
        nearest.Invalidate();
        origins.Invalidate();
    }
}
