using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Referral.Api.Data;
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
}

internal enum GapRunMode
{
    /// <summary>Inline when small (<see cref="GapSettings.InlineMaxWork"/>), else in the background.</summary>
    Auto,
    Background,
    Inline,
}

internal sealed record GapStart(GapStartStatus Status, GapAnalysisDocument? Analysis, Dictionary<string, string[]>? Errors = null);

/// <summary>Starts analyses for REST, GraphQL and the CLI: validation, the input hash (reuse), then inline or queued.</summary>
internal sealed class GapService(
    ReferralDbContext db, CategoryCatalog catalog, GapRunner runner, GapQueue queue, GapQueries queries,
    IOptions<GapSettings> settings, TimeProvider clock, IHostApplicationLifetime lifetime)
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
        if (request.Force != true)
        {
            var existing = await db.GapAnalyses.AsNoTracking()
                .Where(a => a.InputHash == hash && a.Status != GapAnalysis.Failed)
                .OrderByDescending(a => a.CreatedAt)
                .Select(a => new { a.Id, a.Status })
                .FirstOrDefaultAsync(ct);
            if (existing is not null)
            {
                var found = await queries.FindAsync(existing.Id, withResults: true, ct);
                return new GapStart(existing.Status == GapAnalysis.Succeeded ? GapStartStatus.Cached : GapStartStatus.Pending, found);
            }
        }

        var analysis = new GapAnalysis
        {
            Id = Guid.CreateVersion7(),
            DatasetId = dataset.Id,
            Status = GapAnalysis.Queued,
            Stage = "queued",
            InputHash = hash,
            Options = JsonSerializer.Serialize(options, JsonSetup.Options),
            DatasetVersion = dataset.Version,
            CreatedAt = clock.GetUtcNow(),
        };
        db.GapAnalyses.Add(analysis);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();

        var inline = mode == GapRunMode.Inline
            || (mode == GapRunMode.Auto && request.Background != true && (long)settlements * options.Categories.Length <= settings.Value.InlineMaxWork);
        if (inline)
        {
            // Once started, an analysis finishes even if the caller goes away (a client timeout must not leave it half
            // done); only a shutdown stops it, and then it is queued again.
            await runner.RunAsync(analysis.Id, observer, lifetime.ApplicationStopping);
            return new GapStart(GapStartStatus.Completed, await queries.FindAsync(analysis.Id, withResults: true, ct));
        }
        await queue.EnqueueAsync(analysis.Id, ct);
        return new GapStart(GapStartStatus.Queued, await queries.FindAsync(analysis.Id, withResults: false, ct));
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct) =>
        await db.GapAnalyses.Where(a => a.Id == id).ExecuteDeleteAsync(ct) > 0;
}
