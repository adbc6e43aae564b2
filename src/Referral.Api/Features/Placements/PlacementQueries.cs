using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Gaps;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Placements;

/// <summary>Reads placements for REST, GraphQL and the CLI.</summary>
internal sealed class PlacementQueries(ReferralDbContext db, Jobs.JobStore<Placement> jobs)
{
    public async Task<PlacementDocument?> FindAsync(Guid id, CancellationToken ct)
    {
        var row = await db.Placements.AsNoTracking()
            .Where(p => p.Id == id)
            .Join(db.DemandDatasets, p => p.DatasetId, d => d.Id, (p, d) => new { Placement = p, d.Name })
            .FirstOrDefaultAsync(ct);
        return row is null ? null : ToDocument(row.Placement, row.Name, withResults: true);
    }

    public async Task<Page<PlacementDocument>> ListAsync(Guid? datasetId, PageRequest page, CancellationToken ct)
    {
        var (rows, total) = await jobs.PageAsync(datasetId, page, ct);
        var ids = rows.Select(r => r.Job.Id).ToList();
        var links = await db.Placements.AsNoTracking().Where(p => ids.Contains(p.Id)).Select(p => new { p.Id, p.GapAnalysisId })
            .ToDictionaryAsync(p => p.Id, p => p.GapAnalysisId, ct);
        var docs = rows.Select(r =>
        {
            r.Job.GapAnalysisId = links.GetValueOrDefault(r.Job.Id);
            return ToDocument(r.Job, r.DatasetName, withResults: false);
        }).ToList();
        return Page<PlacementDocument>.Create(docs, total, page);
    }

    internal static PlacementDocument ToDocument(Placement p, string datasetName, bool withResults)
    {
        var self = $"/api/placements/{p.Id}";
        var done = p.Status == GapAnalysis.Succeeded;
        return new PlacementDocument(
            p.Id, p.Status, p.ProgressPercent, p.Stage, new GapDatasetRef(p.DatasetId, datasetName, p.DatasetVersion),
            JsonSerializer.Deserialize<PlacementOptions>(p.Options, JsonSetup.Options)!, p.InputHash, p.GapAnalysisId,
            p.CreatedAt, p.StartedAt, p.FinishedAt,
            p.StartedAt is { } s && p.FinishedAt is { } f ? Math.Round((f - s).TotalSeconds, 3) : null,
            p.Error,
            new PlacementLinks(self, done ? $"{self}/sites.csv" : null, done ? $"{self}/sites.geojson" : null,
                p.GapAnalysisId is { } g ? $"/api/gap_analyses/{g}" : null),
            withResults && done && p.Results is { } json ? JsonSerializer.Deserialize<PlacementResults>(json, JsonSetup.Options) : null);
    }
}
