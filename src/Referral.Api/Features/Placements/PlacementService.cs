using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.Jobs;
using Referral.Api.Features.Referrals;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Placements;

internal sealed record PlacementStart(GapStartStatus Status, PlacementDocument? Placement, Dictionary<string, string[]>? Errors = null, string? Detail = null);

/// <summary>
/// Starts placements for REST, GraphQL and the CLI: validation, the input hash (identical inputs reuse the finished
/// placement), the per-owner cap of active jobs (<see cref="GapSettings.MaxActivePerOwner"/>, as for gap analyses), then
/// inline when small or queued — the same flow as <see cref="GapService"/>.
/// </summary>
internal sealed class PlacementService(
    ReferralDbContext db, CategoryCatalog catalog, PlacementRunner runner, JobStore<Placement> jobs, PlacementQueries queries,
    IOptions<PlacementSettings> settings, IOptions<GapSettings> gapSettings, IHostApplicationLifetime lifetime,
    Access.ActorContext actor)
{
    /// <summary>Bump when the method changes, so that placements computed the old way are not reused.</summary>
    public const int AlgorithmVersion = 1;

    public async Task<PlacementStart> StartAsync(PlacementRequest request, GapRunMode mode, IProgress<GapProgress>? observer, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var name = request.Dataset?.Trim();
        if (name is not null && (name.Length > Limits.Short || !Demand.TextRules.IsClean(name)))
        {
            errors.Add("dataset", "is not a dataset name (too long, or has control characters).");
            name = null;
        }
        var dataset = request.DatasetId is { } id
            ? await db.DemandDatasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct)
            : name is { Length: > 0 }
                ? await db.DemandDatasets.AsNoTracking().FirstOrDefaultAsync(d => d.Name == name, ct)
                : null;
        if (dataset is null && !errors.Any)
        {
            errors.Add(request.DatasetId is null ? "dataset" : "dataset_id", request.DatasetId is null && string.IsNullOrEmpty(name)
                ? "is required: a demand dataset's id (dataset_id) or name (dataset); GET /api/demand_datasets lists them."
                : "no demand dataset with that id or name; GET /api/demand_datasets lists them.");
        }
        var categories = await catalog.GetAsync(ct);
        var options = PlacementOptionsParser.Parse(request, [.. categories.Keys], gapSettings.Value, errors);
        var settlements = dataset is null ? 0 : await db.DemandPoints.CountAsync(p => p.DatasetId == dataset.Id, ct);
        if (options.WithinRegions.Length > 0)
        {
            var known = await db.Regions.AsNoTracking().Where(r => options.WithinRegions.Contains(r.Code)).Select(r => r.Code).ToListAsync(ct);
            var unknown = options.WithinRegions.Except(known, StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                errors.Add("within_regions", $"unknown region code(s): {string.Join(", ", unknown.Select(u => FieldErrors.Clip(u)))}; GET /api/regions lists them.");
            }
        }
        var candidates = dataset is null || errors.Any ? 0 : await EstimateCandidatesAsync(dataset.Id, options, settlements, ct);
        if (candidates > settings.Value.MaxCandidates)
        {
            errors.Add(options.Candidates == PlacementVocabulary.Grid ? "cell_km" : "candidates",
                $"would make about {candidates:N0} candidates, more than {settings.Value.MaxCandidates:N0}: use a coarser grid, fewer points, or regions.");
        }
        if (errors.Any)
        {
            return new PlacementStart(GapStartStatus.Invalid, null, errors.ToDictionary());
        }

        var hash = await HashAsync(dataset!.Id, dataset.Version, options, ct);
        if (request.Force != true && await jobs.FindReusableAsync(hash, ct) is { } existing)
        {
            var found = await queries.FindAsync(existing.Id, ct);
            return new PlacementStart(existing.Status == GapAnalysis.Succeeded ? GapStartStatus.Cached : GapStartStatus.Pending, found);
        }
        // Without a bound one planner key could queue a placement per request (force + background), 1,200 a minute.
        var (ownerOrganization, ownerActor) = actor.Current.PlanningOwner;
        var active = await jobs.CountActiveAsync(ownerOrganization, ownerActor, ct);
        if (active >= gapSettings.Value.MaxActivePerOwner)
        {
            return new PlacementStart(GapStartStatus.TooMany, null, Detail: $"You already have {active} placements queued or running (at most " +
                $"{gapSettings.Value.MaxActivePerOwner} at once, Gaps:MaxActivePerOwner); wait for one to finish.");
        }
        var placement = jobs.Create(dataset.Id, dataset.Version, hash, JsonSerializer.Serialize(options, JsonSetup.Options), (ownerOrganization, ownerActor));
        var inline = mode == GapRunMode.Inline
            || (mode == GapRunMode.Auto && request.Background != true && (long)settlements + candidates <= settings.Value.InlineMaxWork);
        await using var lease = await jobs.AddAsync(placement, inline, ct);
        if (lease is not null)
        {
            // As with gap analyses: once started it finishes even if the caller goes away; only a shutdown stops it.
            await runner.RunAsync(placement.Id, lease, observer, lifetime.ApplicationStopping);
            return new PlacementStart(GapStartStatus.Completed, await queries.FindAsync(placement.Id, ct));
        }
        return new PlacementStart(GapStartStatus.Queued, await queries.FindAsync(placement.Id, ct));
    }

    /// <summary>
    /// Deletes a finished placement: its owner (the organization, or the key without one, that started it) or an admin,
    /// as for gap analyses (<see cref="Access.Actor.MayChangePlanning"/>).
    /// </summary>
    public async Task<Demand.PlanningDelete> DeleteAsync(Guid id, CancellationToken ct)
    {
        var placement = await db.Placements.AsNoTracking().Where(p => p.Id == id)
            .Select(p => new { p.OwnerOrganizationId, p.OwnerActor, p.Status }).FirstOrDefaultAsync(ct);
        if (placement is null)
        {
            return Demand.PlanningDelete.NotFound;
        }
        if (!actor.Current.MayChangePlanning(placement.OwnerOrganizationId, placement.OwnerActor, isDemo: false))
        {
            return Demand.PlanningDelete.Forbidden;
        }
        if (placement.Status is JobStatus.Queued or JobStatus.Running)
        {
            return Demand.PlanningDelete.Running;
        }
        return await db.Placements.Where(p => p.Id == id).ExecuteDeleteAsync(ct) > 0 ? Demand.PlanningDelete.Deleted : Demand.PlanningDelete.NotFound;
    }

    /// <summary>Everything the results depend on: the method, the dataset's version, the options, the directory and regions.</summary>
    private async Task<string> HashAsync(Guid datasetId, long version, PlacementOptions options, CancellationToken ct)
    {
        var fingerprint = await GapInputs.DirectoryFingerprintAsync(db, ct);
        var text = string.Join('\n',
            $"placement algorithm {AlgorithmVersion} gap algorithm {GapInputs.AlgorithmVersion}",
            $"dataset {datasetId} version {version}",
            $"options {JsonSerializer.Serialize(options, JsonSetup.Options)}",
            $"directory {fingerprint}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Candidates before reach filtering: the settlements, the points, or the grid's cells over the dataset's extent.</summary>
    private async Task<long> EstimateCandidatesAsync(Guid datasetId, PlacementOptions o, int settlements, CancellationToken ct)
    {
        switch (o.Candidates)
        {
            case PlacementVocabulary.Points:
                return o.Points!.Length;
            case PlacementVocabulary.Grid:
                var connection = (NpgsqlConnection)db.Database.GetDbConnection();
                await db.Database.OpenConnectionAsync(ct);
                try
                {
                    await using var cmd = new NpgsqlCommand("""
                        SELECT coalesce(max(ST_Y(point::geometry)) - min(ST_Y(point::geometry)), 0),
                               coalesce(max(ST_X(point::geometry)) - min(ST_X(point::geometry)), 0),
                               coalesce(greatest(abs(min(ST_Y(point::geometry))), abs(max(ST_Y(point::geometry)))), 0)
                        FROM demand_point WHERE dataset_id = @dataset
                        """, connection);
                    cmd.Parameters.Add(new NpgsqlParameter<Guid>("dataset", datasetId));
                    await using var reader = await cmd.ExecuteReaderAsync(ct);
                    await reader.ReadAsync(ct);
                    var dlat = o.CellKm!.Value / 111.32;
                    var rows = Math.Floor(reader.GetDouble(0) / dlat) + 1;
                    // The narrowest cells (nearest the pole) bound the number of columns.
                    var cols = Math.Floor(reader.GetDouble(1) / (dlat / Math.Max(Math.Cos(reader.GetDouble(2) * Math.PI / 180), 0.01))) + 1;
                    return (long)Math.Min(rows * cols, long.MaxValue / 2);
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            default:
                return settlements;
        }
    }
}
