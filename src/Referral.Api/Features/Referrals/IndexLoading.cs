using Npgsql;
using Referral.Api.Data;

namespace Referral.Api.Features.Referrals;

/// <summary>
/// What the in-process indexes that follow the database (<see cref="NearestIndex"/>, <see cref="OriginIndex"/>) share:
/// their own unpooled connections that give way to writers, the wake-up signal, the back-off after a failure, and the
/// change log they check their snapshots against (<c>nearest_change</c>, migrations AddNearestChangeLog and
/// RecordOriginChanges).
/// </summary>
internal static class IndexLoading
{
    /// <summary>Change-log kind of the origin tables (region, place, service_area): read by the origin index only.</summary>
    public const char OriginKind = 'g';

    /// <summary>
    /// An unpooled connection string for a loader (a full load can take minutes at 1M rows; the pool's connections stay
    /// for requests).
    /// </summary>
    public static string ConnectionString(IConfiguration configuration) =>
        new NpgsqlConnectionStringBuilder(DataSetup.WithSessionSettings(DataSetup.ConnectionString(configuration)))
        {
            Pooling = false,
            CommandTimeout = 600,
        }.ConnectionString;

    /// <summary>
    /// Opens a loader connection that gives way: a table an operator's TRUNCATE or a migration holds (or waits for) makes
    /// the loader stop with <see cref="PostgresErrorCodes.LockNotAvailable"/> and retry, rather than queue writers behind
    /// it or deadlock with a TRUNCATE of several of its tables.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var conn = new NpgsqlConnection(connectionString);
        try
        {
            await conn.OpenAsync(ct);
            await using var timeout = new NpgsqlCommand("SET lock_timeout = '200ms'", conn);
            await timeout.ExecuteNonQueryAsync(ct);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>A lock was in the way: retry soon, this is no failure.</summary>
    public static bool GaveWay(Exception ex) => ex is PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable };

    /// <summary>Releases <paramref name="signal"/> (a 0/1 semaphore) unless it is already released.</summary>
    public static void Wake(SemaphoreSlim signal)
    {
        if (signal.CurrentCount == 0)
        {
            try
            {
                signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // already signalled
            }
        }
    }

    /// <summary>
    /// After a failed load: an unreachable database is not to be hammered (250 ms doubling to 30 s); a database or
    /// network error is expected (Debug), anything else is logged as a warning — never stopping the host, the SQL path
    /// answers meanwhile.
    /// </summary>
    public static async Task<bool> BackOffAsync(ILogger logger, string index, Exception ex, int failures, CancellationToken ct)
    {
        logger.Log(ex is NpgsqlException or IOException or TimeoutException ? LogLevel.Debug : LogLevel.Warning, ex, "{Index} load failed; retrying", index);
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 250 << Math.Min(failures, 7))), ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The text of <c>pg_current_snapshot()</c> (<c>xmin:xmax:xip,xip,…</c>) as the change-log probes take it.</summary>
    public static (string Xmax, string[] Xip) ParseSnapshot(string snapshot)
    {
        var parts = snapshot.Split(':');
        return (parts[1], parts.Length > 2 && parts[2].Length > 0 ? parts[2].Split(',') : []);
    }

    /// <summary>
    /// Whether a change of the origin tables is not visible in a snapshot (xid ≥ xmax, or in progress when it was taken):
    /// two probes of <c>ix_nearest_change_xid</c>. Parameters <c>xmax</c> (text) and <c>xip</c> (text[]).
    /// </summary>
    public const string OriginChangedSql =
        "SELECT EXISTS (SELECT 1 FROM nearest_change WHERE (xid >= @xmax::text::xid8 OR xid = ANY (@xip::text[]::xid8[])) AND kind = 'g')";
}
