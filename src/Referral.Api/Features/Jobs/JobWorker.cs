using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Referral.Api.Features.Jobs;

/// <summary>
/// One kind of background job: its table and how to run one claimed job. Registered once per kind
/// (<see cref="JobSetup.AddJobKind"/>); the one <see cref="JobWorker"/> runs them all.
/// </summary>
internal sealed record JobKind(string Name, string Table, Func<IServiceProvider, Guid, JobLease, CancellationToken, Task> RunAsync);

/// <summary>Wakes the workers of this instance (a job was queued here, or NOTIFY said one was queued elsewhere).</summary>
internal sealed class JobSignal
{
    private readonly ConcurrentDictionary<int, SemaphoreSlim> _waiters = new();
    private int _next;

    public void Wake()
    {
        foreach (var waiter in _waiters.Values)
        {
            if (waiter.CurrentCount == 0)
            {
                waiter.Release();
            }
        }
    }

    /// <summary>Waits until woken or <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(int slot, TimeSpan timeout, CancellationToken ct)
    {
        var waiter = _waiters.GetOrAdd(slot, _ => new SemaphoreSlim(0, 1));
        await waiter.WaitAsync(timeout, ct);
    }

    public int NewSlot() => Interlocked.Increment(ref _next);
}

/// <summary>
/// Runs the queued jobs of every kind, one at a time per kind in this instance (each job already uses several
/// connections): claims the next one (<see cref="JobClaims.ClaimNextAsync"/>: queued, or running with an expired lease
/// — its instance died), runs it under a renewed lease, and looks again; idle, it sleeps until woken or
/// <see cref="JobSettings.PollSeconds"/>. Any number of instances may run this on one database.
/// </summary>
internal sealed class JobWorker(
    IServiceScopeFactory scopes, IEnumerable<JobKind> kinds, JobClaims claims, JobSignal signal, IOptions<JobSettings> settings,
    JobMetrics metrics, ILogger<JobWorker> logger) : BackgroundService
{
    /// <summary>The jobs this instance ran from the queue (tests: each job exactly once over all instances).</summary>
    internal ConcurrentQueue<Guid> Ran { get; } = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        settings.Value.Worker ? Task.WhenAll(kinds.Select(k => Task.Run(() => LoopAsync(k, stoppingToken), stoppingToken))) : Task.CompletedTask;

    private async Task LoopAsync(JobKind kind, CancellationToken stoppingToken)
    {
        var slot = signal.NewSlot();
        var idle = TimeSpan.FromSeconds(settings.Value.PollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            JobClaim? claim = null;
            try
            {
                claim = await claims.ClaimNextAsync(kind.Table, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // No database (yet), or not migrated: try again later.
                logger.LogDebug(ex, "Could not look for queued {Kind} jobs", kind.Name);
            }
            if (claim is null)
            {
                try
                {
                    metrics.Queued(kind.Name, await claims.CountQueuedAsync(kind.Table, stoppingToken));
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
                {
                    logger.LogDebug(ex, "Could not count queued {Kind} jobs", kind.Name);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                try
                {
                    await signal.WaitAsync(slot, idle, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            if (claim.Attempts > 1)
            {
                logger.LogInformation("Resuming {Kind} {JobId} (attempt {Attempt}): the server running it stopped", kind.Name, claim.Id, claim.Attempts);
            }
            var watch = Stopwatch.StartNew();
            try
            {
                await using var lease = new JobLease(claims, kind.Table, claim.Id);
                await using var scope = scopes.CreateAsyncScope();
                await kind.RunAsync(scope.ServiceProvider, claim.Id, lease, stoppingToken);
                Ran.Enqueue(claim.Id);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or InvalidOperationException)
            {
                logger.LogError(ex, "{Kind} {JobId} could not be run", kind.Name, claim.Id);
            }
            finally
            {
                metrics.Ran(kind.Name, watch.Elapsed);
            }
        }
    }
}
