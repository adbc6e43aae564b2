using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;

namespace Referral.Api.Features.Demand;

internal sealed class DemandQueries(ReferralDbContext db)
{
    public async Task<List<DemandDatasetDocument>> ListAsync(CancellationToken ct)
    {
        var datasets = await db.DemandDatasets.AsNoTracking().OrderBy(d => d.Name).ToListAsync(ct);
        var stats = await StatsAsync(null, ct);
        return [.. datasets.Select(d => ToDocument(d, stats.GetValueOrDefault(d.Id)))];
    }

    /// <summary>One page of <see cref="ListAsync"/> (by name), in the HSDS page envelope of every list.</summary>
    public async Task<Infrastructure.Page<DemandDatasetDocument>> PageAsync(Infrastructure.PageRequest page, CancellationToken ct)
    {
        var total = await db.DemandDatasets.CountAsync(ct);
        var datasets = await db.DemandDatasets.AsNoTracking().OrderBy(d => d.Name).ThenBy(d => d.Id).Skip(page.Skip).Take(page.Size).ToListAsync(ct);
        var stats = await StatsAsync(null, ct);
        return Infrastructure.Page<DemandDatasetDocument>.Create([.. datasets.Select(d => ToDocument(d, stats.GetValueOrDefault(d.Id)))], total, page);
    }

    public async Task<DemandDatasetDocument?> FindAsync(Guid id, CancellationToken ct) =>
        await db.DemandDatasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) is { } d
            ? ToDocument(d, (await StatsAsync(id, ct)).GetValueOrDefault(id))
            : null;

    public async Task<DemandDatasetDocument?> FindByNameAsync(string name, CancellationToken ct) =>
        await db.DemandDatasets.AsNoTracking().FirstOrDefaultAsync(d => d.Name == name, ct) is { } d ? await FindAsync(d.Id, ct) : null;

    private sealed record Stats(int Settlements, long? Population, int WithPopulation, int WithClass, int WithRegionCode);

    private async Task<Dictionary<Guid, Stats>> StatsAsync(Guid? id, CancellationToken ct)
    {
        var points = db.DemandPoints.AsNoTracking();
        if (id is { } only)
        {
            points = points.Where(p => p.DatasetId == only);
        }
        return await points.GroupBy(p => p.DatasetId)
            .Select(g => new
            {
                g.Key,
                Stats = new Stats(g.Count(), g.Sum(p => p.Population), g.Count(p => p.Population != null),
                    g.Count(p => p.SettlementClass != null), g.Count(p => p.RegionCode != null)),
            })
            .ToDictionaryAsync(x => x.Key, x => x.Stats, ct);
    }

    private static DemandDatasetDocument ToDocument(DemandDataset d, Stats? s) => new(
        d.Id, d.Name, d.Description, d.Source, d.License, d.IsDemo, d.Version, d.CreatedAt, d.UpdatedAt,
        s?.Settlements ?? 0, s is { WithPopulation: > 0 } ? s.Population : null, s?.WithPopulation ?? 0, s?.WithClass ?? 0, s?.WithRegionCode ?? 0);
}
