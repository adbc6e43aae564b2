using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Data;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// Runs queued analyses one at a time (each already uses several connections). On start it picks up analyses that a
/// previous process left queued or running, so a restart never strands one.
/// </summary>
internal sealed class GapWorker(IServiceScopeFactory scopes, GapQueue queue, ILogger<GapWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        await foreach (var id in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<GapRunner>().RunAsync(id, null, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or InvalidOperationException)
            {
                logger.LogError(ex, "Gap analysis {AnalysisId} could not be run", id);
            }
        }
    }

    private async Task RecoverAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ReferralDbContext>();
            var stranded = await db.GapAnalyses
                .Where(a => a.Status == GapAnalysis.Queued || a.Status == GapAnalysis.Running)
                .OrderBy(a => a.CreatedAt).Select(a => a.Id).ToListAsync(ct);
            foreach (var id in stranded)
            {
                await db.GapAnalyses.Where(a => a.Id == id).ExecuteUpdateAsync(u => u.SetProperty(a => a.Status, GapAnalysis.Queued), ct);
                await queue.EnqueueAsync(id, ct);
            }
            if (stranded.Count > 0)
            {
                logger.LogInformation("Resuming {Count} gap analyses left by a previous run", stranded.Count);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // No database (yet), or not migrated: analyses started later still run.
            logger.LogWarning(ex, "Could not look for interrupted gap analyses");
        }
    }
}
