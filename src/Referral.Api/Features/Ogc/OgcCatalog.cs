using Referral.Api.Features.Demand;
using Referral.Api.Features.Gaps;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Ogc;

internal enum OgcKind
{
    Services,
    Regions,
    Places,
    Demand,
    GapSettlements,
    GapRegions,
}

/// <summary>A feature collection: its id (also the GDAL/QGIS layer name), what it holds, and the record it comes from.</summary>
internal sealed record OgcCollection(string Id, OgcKind Kind, string Title, string Description, Guid? SourceId = null)
{
    /// <summary>Whether features have a time (<c>datetime</c> applies).</summary>
    public bool HasTime => Kind == OgcKind.Services;
}

/// <summary>
/// The collections: the fixed ones (services, regions, places), one per demand dataset, and two per finished gap analysis
/// (settlements and regions) — a layer each, so every layer has one attribute schema, as GDAL and QGIS expect. Datasets
/// and analyses are listed through their own queries, so whatever those let the caller see is what appears here.
/// </summary>
internal sealed class OgcCatalog(DemandQueries demand, GapQueries gaps)
{
    public const string Services = "services";
    public const string Regions = "regions";
    public const string Places = "places";

    private static readonly OgcCollection[] Fixed =
    [
        new(Services, OgcKind.Services, "Services",
            "One feature per service at a location, as the caller may see it: for the public, approximate locations at their " +
            "generalised point without address or location name, hidden locations never."),
        new(Regions, OgcKind.Regions, "Regions", "Administrative and planning regions with their outlines (countries, provinces, …)."),
        new(Places, OgcKind.Places, "Places", "Gazetteer towns (GeoNames) used to search near a named place."),
    ];

    public async Task<List<OgcCollection>> ListAsync(CancellationToken ct)
    {
        List<OgcCollection> list = [.. Fixed];
        foreach (var d in await demand.ListAsync(ct))
        {
            list.Add(Demand(d.Id, d.Name));
        }
        var page = 1;
        while (true)
        {
            var analyses = await gaps.ListAsync(null, new PageRequest(page, Limits.MaxPerPage), ct);
            foreach (var a in analyses.Contents.Where(a => a.Status == GapAnalysis.Succeeded))
            {
                list.Add(GapSettlements(a.Id, a.Dataset.Name, a.CreatedAt));
                list.Add(GapRegions(a.Id, a.Dataset.Name, a.CreatedAt));
            }
            if (analyses.LastPage || analyses.Empty)
            {
                break;
            }
            page++;
        }
        return list;
    }

    public async Task<OgcCollection?> FindAsync(string id, CancellationToken ct)
    {
        if (Fixed.FirstOrDefault(c => c.Id == id) is { } known)
        {
            return known;
        }
        if (id.StartsWith("demand_", StringComparison.Ordinal) && Guid.TryParseExact(id["demand_".Length..], "N", out var datasetId))
        {
            return await demand.FindAsync(datasetId, ct) is { } d ? Demand(d.Id, d.Name) : null;
        }
        if (id.StartsWith("gap_", StringComparison.Ordinal) && id.Length > 4 + 32 && Guid.TryParseExact(id.Substring(4, 32), "N", out var analysisId))
        {
            var suffix = id[(4 + 32)..];
            if (suffix is not ("_settlements" or "_regions")
                || await gaps.FindAsync(analysisId, withResults: false, ct) is not { Status: GapAnalysis.Succeeded } a)
            {
                return null;
            }
            return suffix == "_settlements" ? GapSettlements(a.Id, a.Dataset.Name, a.CreatedAt) : GapRegions(a.Id, a.Dataset.Name, a.CreatedAt);
        }
        return null;
    }

    private static OgcCollection Demand(Guid id, string name) => new($"demand_{id:N}", OgcKind.Demand, $"Demand: {name}",
        $"The settlements of demand dataset '{name}' with their population, class and region.", id);

    private static OgcCollection GapSettlements(Guid id, string dataset, DateTimeOffset at) => new($"gap_{id:N}_settlements", OgcKind.GapSettlements,
        $"Gap analysis {at:yyyy-MM-dd HH:mm} of {dataset}: settlements",
        "Every settlement with its distance, coverage and 2SFCA score per category (the same figures as the points.geojson export).", id);

    private static OgcCollection GapRegions(Guid id, string dataset, DateTimeOffset at) => new($"gap_{id:N}_regions", OgcKind.GapRegions,
        $"Gap analysis {at:yyyy-MM-dd HH:mm} of {dataset}: regions",
        "Every region with its figures per category (the same figures as the regions.geojson export).", id);
}
