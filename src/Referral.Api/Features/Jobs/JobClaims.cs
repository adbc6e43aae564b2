using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;
using Referral.Api.Data;

namespace Referral.Api.Features.Jobs;

/// <summary>Settings of the background jobs (section <c>Jobs</c>).</summary>
internal sealed class JobSettings
{
    /// <summary>How long a claim holds without renewal; the runner renews it every third of that. An instance that dies
    /// leaves its jobs to another instance after at most this long.</summary>
    [Range(1, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often an idle worker looks for queued jobs (new jobs also wake it at once, in this and, through
    /// LISTEN/NOTIFY, in every other instance).</summary>
    [Range(1, 3600)]
    public int PollSeconds { get; set; } = 5;

    /// <summary>A job interrupted this many times (its instance died each time) fails instead of starting again.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>False: this instance runs no queued jobs (it still runs small ones inline and queues the others).</summary>
    public bool Worker { get; set; } = true;
}

/// <summary>A claimed job: its id and how many times it has been started (this time included).</summary>
internal sealed record JobClaim(Guid Id, int Attempts);

/// <summary>
/// Claims jobs for this API instance with <c>FOR UPDATE SKIP LOCKED</c>: of several instances polling one database,
/// exactly one gets each queued job, and exactly one resumes a running job whose lease expired (its instance died).
/// Every status change after the claim is fenced on <c>claimed_by</c>, so an instance that lost its claim (cancelled
/// elsewhere, or resumed by another after a long pause) cannot overwrite the job. Always on the primary.
/// </summary>
internal sealed class JobClaims(IConfiguration configuration, IOptions<JobSettings> settings)
{
    /// <summary>The NOTIFY channel that wakes the workers of every instance when a job is queued.</summary>
    public const string Channel = "referral_jobs";

    private readonly string _connectionString = DataSetup.WithSessionSettings(DataSetup.ConnectionString(configuration));

    /// <summary>This process's name in <c>claimed_by</c>: host, process id and a random suffix (unique per start).</summary>
    public string Instance { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    public TimeSpan Lease => TimeSpan.FromSeconds(settings.Value.LeaseSeconds);

    /// <summary>The oldest queued job of the table, or the oldest running one whose lease expired; null when none.</summary>
    public async Task<JobClaim?> ClaimNextAsync(string table, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        // Interrupted too often (a job that kills its instance): failed, not started again.
        await using (var give = new NpgsqlCommand($"""
            UPDATE {table} SET status = 'failed', finished_at = now(), claimed_by = NULL, lease_until = NULL, stage = 'failed',
                error = 'Interrupted ' || attempts || ' times (the server running it stopped each time); start it again.'
            WHERE status = 'running' AND lease_until < now() AND attempts >= @max
            """, connection))
        {
            give.Parameters.Add(new NpgsqlParameter<int>("max", settings.Value.MaxAttempts));
            await give.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = new NpgsqlCommand($"""
            UPDATE {table} j SET status = 'running', claimed_by = @me, lease_until = now() + @lease, attempts = j.attempts + 1,
                started_at = now(), progress_percent = 0, stage = 'starting'
            FROM (SELECT id FROM {table}
                  WHERE status = 'queued' OR (status = 'running' AND lease_until < now())
                  ORDER BY created_at, id
                  LIMIT 1
                  FOR UPDATE SKIP LOCKED) next
            WHERE j.id = next.id
            RETURNING j.id, j.attempts
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<string>("me", Instance));
        cmd.Parameters.Add(new NpgsqlParameter<TimeSpan>("lease", Lease));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new JobClaim(reader.GetGuid(0), reader.GetInt32(1)) : null;
    }

    /// <summary>Renews the claim; false when it is lost (the job was cancelled or is no longer this instance's).</summary>
    public async Task<bool> RenewAsync(string table, Guid id, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"UPDATE {table} SET lease_until = now() + @lease WHERE id = @id AND claimed_by = @me AND status = 'running'", connection);
        cmd.Parameters.Add(new NpgsqlParameter<TimeSpan>("lease", Lease));
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
        cmd.Parameters.Add(new NpgsqlParameter<string>("me", Instance));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Jobs of the table waiting for a worker.</summary>
    public async Task<long> CountQueuedAsync(string table, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {table} WHERE status = 'queued'", connection);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Wakes the workers of every instance (NOTIFY); best effort, they also poll.</summary>
    public async Task WakeAsync(string table, CancellationToken ct)
    {
        try
        {
            await using var connection = await OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT pg_notify(@channel, @table)", connection);
            cmd.Parameters.Add(new NpgsqlParameter<string>("channel", Channel));
            cmd.Parameters.Add(new NpgsqlParameter<string>("table", table));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (NpgsqlException)
        {
            // The workers poll anyway.
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }
}

/// <summary>
/// A held claim: renews the lease every third of its length while the job runs, and cancels <see cref="Token"/> when
/// the claim is lost (cancelled by its owner from any instance, or the lease renewals failed for longer than the lease,
/// after which another instance may have resumed the job). Dispose it when the run ends.
/// </summary>
internal sealed class JobLease : IAsyncDisposable
{
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public JobLease(JobClaims claims, string table, Guid id)
    {
        Owner = claims.Instance;
        _loop = Task.Run(async () =>
        {
            var interval = claims.Lease / 3;
            var lastRenewed = DateTimeOffset.UtcNow;
            try
            {
                using var timer = new PeriodicTimer(interval);
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    try
                    {
                        if (!await claims.RenewAsync(table, id, _stop.Token))
                        {
                            await _lost.CancelAsync();
                            return;
                        }
                        lastRenewed = DateTimeOffset.UtcNow;
                    }
                    catch (NpgsqlException) when (DateTimeOffset.UtcNow - lastRenewed < claims.Lease)
                    {
                        // The database is briefly unreachable: try again at the next tick while the lease still holds.
                    }
                    catch (NpgsqlException)
                    {
                        await _lost.CancelAsync();
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>The instance holding the claim: the fence for every status change.</summary>
    public string Owner { get; }

    /// <summary>Cancelled when the claim is lost.</summary>
    public CancellationToken Token => _lost.Token;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _lost.Dispose();
    }
}
