using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Referral.Api.Data;
using Referral.Api.Features.Jobs;
using Referral.Api.Features.Referrals;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

internal enum GapStartStatus
{
    /// <summary>The request has invalid fields.</summary>
    Invalid,

    /// <summary>Results for exactly these inputs exist and are returned.</summary>
    Cached,

    /// <summary>An analysis of exactly these inputs is already queued or running.</summary>
    Pending,

    /// <summary>Small enough: computed inside the request.</summary>
    Completed,

    /// <summary>Queued for the background worker.</summary>
    Queued,

    /// <summary>The caller's owner already has <see cref="GapSettings.MaxActivePerOwner"/> analyses queued or running.</summary>
    TooMany,
}

internal enum GapRunMode
{
    /// <summary>Inline when small (<see cref="GapSettings.InlineMaxWork"/>), else in the background.</summary>
    Auto,
    Background,
    Inline,
}

internal sealed record GapStart(GapStartStatus Status, GapAnalysisDocument? Analysis, Dictionary<string, string[]>? Errors = null, string? Detail = null);

/// <summary>The outcome of a cancel request.</summary>
internal enum GapCancel
{
    Cancelled,
    NotFound,
    Forbidden,

    /// <summary>Already finished (succeeded or failed): nothing to cancel.</summary>
    Finished,
}

/// <summary>
/// Starts analyses for REST, GraphQL and the CLI: validation, the input hash (reuse), the per-owner cap, then inline or
/// queued. An analysis belongs to whoever started it (<see cref="Access.Actor.PlanningOwner"/>); only the owner and admins
/// cancel or delete it. Creates and deletes go through SaveChanges, so the audit log has them.
/// </summary>
internal sealed class GapService(
    ReferralDbContext db, CategoryCatalog catalog, GapRunner runner, JobStore<GapAnalysis> jobs, GapQueries queries,
    IOptions<GapSettings> settings, IHostApplicationLifetime lifetime, Access.ActorContext actor, JobCancellations cancellations)
{
    public async Task<GapStart> StartAsync(GapAnalysisRequest request, GapRunMode mode, IProgress<GapProgress>? observer, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var name = request.Dataset?.Trim();
        if (name is not null && (name.Length > Limits.Short || !Demand.TextRules.IsClean(name)))
        {
            // Never sent to the database: PostgreSQL text cannot hold NUL, and no dataset name has control characters.
            errors.Add("dataset", "is not a dataset name (too long, or has control characters).");
            name = null;
        }
        var dataset = request.DatasetId is { } id
            ? await db.DemandDatasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct)
            : name is { Length: > 0 and <= Limits.Short }
                ? await db.DemandDatasets.AsNoTracking().FirstOrDefaultAsync(d => d.Name == name, ct)
                : null;
        if (dataset is null && !errors.Any)
        {
            errors.Add(request.DatasetId is null ? "dataset" : "dataset_id", request.DatasetId is null && string.IsNullOrEmpty(name)
                ? "is required: a demand dataset's id (dataset_id) or name (dataset); GET /api/demand_datasets lists them."
                : "no demand dataset with that id or name; GET /api/demand_datasets lists them.");
        }
        var settlements = dataset is null ? 0 : await db.DemandPoints.CountAsync(p => p.DatasetId == dataset.Id, ct);
        var categories = await catalog.GetAsync(ct);
        var options = GapOptionsParser.Parse(request, [.. categories.Keys], settings.Value, settlements, errors);
        if (errors.Any)
        {
            return new GapStart(GapStartStatus.Invalid, null, errors.ToDictionary());
        }

        var hash = await GapInputs.HashAsync(db, dataset!.Id, dataset.Version, options, ct);
        if (request.Force != true && await jobs.FindReusableAsync(hash, ct) is { } existing)
        {
            var found = await queries.FindAsync(existing.Id, withResults: true, ct);
            return new GapStart(existing.Status == GapAnalysis.Succeeded ? GapStartStatus.Cached : GapStartStatus.Pending, found);
        }

        var (ownerOrganization, ownerActor) = actor.Current.PlanningOwner;
        var active = await jobs.CountActiveAsync(ownerOrganization, ownerActor, ct);
        if (active >= settings.Value.MaxActivePerOwner)
        {
            return new GapStart(GapStartStatus.TooMany, null, Detail: $"You already have {active} gap analyses queued or running (at most " +
                $"{settings.Value.MaxActivePerOwner} at once); wait for one to finish or cancel one (POST /api/gap_analyses/{{id}}/cancel).");
        }
        var analysis = jobs.Create(dataset.Id, dataset.Version, hash, JsonSerializer.Serialize(options, JsonSetup.Options), (ownerOrganization, ownerActor));
        var inline = mode == GapRunMode.Inline
            || (mode == GapRunMode.Auto && request.Background != true && (long)settlements * options.Categories.Length <= settings.Value.InlineMaxWork);
        // Inline: claimed by this instance as it is stored, so no worker (here or in another instance) takes it too.
        await using var lease = await jobs.AddAsync(analysis, inline, ct);
        if (lease is not null)
        {
            // Computed for this caller only: when it goes away the run is cancelled (the analysis ends failed, without
            // partial rows) instead of holding connections for nobody; a shutdown puts it back in the queue.
            await runner.RunAsync(analysis.Id, lease, observer, lifetime.ApplicationStopping, ct);
            ct.ThrowIfCancellationRequested();
            return new GapStart(GapStartStatus.Completed, await queries.FindAsync(analysis.Id, withResults: true, ct));
        }
        return new GapStart(GapStartStatus.Queued, await queries.FindAsync(analysis.Id, withResults: false, ct));
    }

    /// <summary>Deletes a finished analysis and its per-settlement results (cascade); a running one must be cancelled first.</summary>
    public async Task<Demand.PlanningDelete> DeleteAsync(Guid id, CancellationToken ct)
    {
        var analysis = await db.GapAnalyses.FirstOrDefaultAsync(a => a.Id == id, ct);
        if (analysis is null)
        {
            return Demand.PlanningDelete.NotFound;
        }
        if (!MayChange(analysis))
        {
            return Demand.PlanningDelete.Forbidden;
        }
        if (analysis.Status is GapAnalysis.Queued or GapAnalysis.Running)
        {
            return Demand.PlanningDelete.Running;
        }
        db.GapAnalyses.Remove(analysis);
        await db.SaveChangesAsync(ct);
        return Demand.PlanningDelete.Deleted;
    }

    /// <summary>
    /// Cancels a queued or running analysis: marked failed with <see cref="GapRunner.CancelledError"/> at once; the run
    /// (in this instance or another) stops and leaves no partial rows.
    /// </summary>
    public async Task<GapCancel> CancelAsync(Guid id, CancellationToken ct)
    {
        var analysis = await db.GapAnalyses.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        if (analysis is null)
        {
            return GapCancel.NotFound;
        }
        if (!MayChange(analysis))
        {
            return GapCancel.Forbidden;
        }
        if (analysis.Status is GapAnalysis.Succeeded or GapAnalysis.Failed)
        {
            return GapCancel.Finished;
        }
        // Marked failed at once, wherever it runs: a run in this instance stops through its token, one in another
        // instance when it next renews its claim (it then finds the claim gone and stops without writing).
        await jobs.CancelAsync(id, GapRunner.CancelledError, ct);
        cancellations.Cancel(id);
        return GapCancel.Cancelled;
    }

    private bool MayChange(GapAnalysis a) => actor.Current.MayChangePlanning(a.OwnerOrganizationId, a.OwnerActor, isDemo: false);
}
