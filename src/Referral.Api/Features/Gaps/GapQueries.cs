using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

/// <summary>Reads analyses for REST, GraphQL and the CLI.</summary>
internal sealed class GapQueries(ReferralDbContext db, Jobs.JobStore<GapAnalysis> jobs, Referrals.CategoryCatalog catalog)
{
    /// <summary>An analysis, with its results' headlines and note on borders in the response language (<see cref="GapTexts"/>).</summary>
    public async Task<GapAnalysisDocument?> FindAsync(Guid id, bool withResults, CancellationToken ct)
    {
        var row = await db.GapAnalyses.AsNoTracking()
            .Where(a => a.Id == id)
            .Join(db.DemandDatasets, a => a.DatasetId, d => d.Id, (a, d) => new { Analysis = a, d.Name })
            .FirstOrDefaultAsync(ct);
        if (row is null)
        {
            return null;
        }
        var analysis = ToDocument(row.Analysis, row.Name, withResults);
        return analysis.Results is null || GapTexts.Language is null ? analysis : GapTexts.Localise(analysis, await catalog.GetAsync(ct));
    }

    public async Task<Page<GapAnalysisDocument>> ListAsync(Guid? datasetId, PageRequest page, CancellationToken ct)
    {
        var (rows, total) = await jobs.PageAsync(datasetId, page, ct);
        var docs = rows.Select(r => ToDocument(r.Job, r.DatasetName, withResults: false)).ToList();
        return Page<GapAnalysisDocument>.Create(docs, total, page);
    }

    internal static GapAnalysisDocument ToDocument(GapAnalysis a, string datasetName, bool withResults)
    {
        var self = $"/api/gap_analyses/{a.Id}";
        var done = a.Status == GapAnalysis.Succeeded;
        return new GapAnalysisDocument(
            a.Id, a.Status, a.ProgressPercent, a.Stage, new GapDatasetRef(a.DatasetId, datasetName, a.DatasetVersion),
            JsonSerializer.Deserialize<GapOptions>(a.Options, JsonSetup.Options)!, a.InputHash, a.CreatedAt, a.StartedAt, a.FinishedAt,
            a.StartedAt is { } s && a.FinishedAt is { } f ? Math.Round((f - s).TotalSeconds, 3) : null,
            a.Error,
            new GapLinks(self, done ? $"{self}/table.csv" : null, done ? $"{self}/points.geojson" : null, done ? $"{self}/regions.geojson" : null),
            withResults && done && a.Results is { } json ? JsonSerializer.Deserialize<GapResults>(json, JsonSetup.Options) : null);
    }
}
