using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Gaps;

namespace Referral.Api.Features.Placements;

/// <summary>Placements waiting for the background worker (in process; the placement rows are the durable record).</summary>
internal sealed class PlacementQueue
{
    private readonly Channel<Guid> _channel = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    public ValueTask EnqueueAsync(Guid id, CancellationToken ct) => _channel.Writer.WriteAsync(id, ct);

    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken ct) => _channel.Reader.ReadAllAsync(ct);
}

/// <summary>Runs queued placements one at a time, and on start resumes those a previous process left queued or running.</summary>
internal sealed class PlacementWorker(IServiceScopeFactory scopes, PlacementQueue queue, ILogger<PlacementWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        await foreach (var id in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<PlacementRunner>().RunAsync(id, null, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or InvalidOperationException)
            {
                logger.LogError(ex, "Placement {PlacementId} could not be run", id);
            }
        }
    }

    private async Task RecoverAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ReferralDbContext>();
            var stranded = await db.Placements
                .Where(p => p.Status == GapAnalysis.Queued || p.Status == GapAnalysis.Running)
                .OrderBy(p => p.CreatedAt).Select(p => p.Id).ToListAsync(ct);
            foreach (var id in stranded)
            {
                await db.Placements.Where(p => p.Id == id).ExecuteUpdateAsync(u => u.SetProperty(p => p.Status, GapAnalysis.Queued), ct);
                await queue.EnqueueAsync(id, ct);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // No database (yet), or not migrated: placements started later still run.
            logger.LogWarning(ex, "Could not look for interrupted placements");
        }
    }
}
