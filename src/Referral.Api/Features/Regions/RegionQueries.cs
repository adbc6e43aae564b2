using System.ComponentModel;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Regions;

/// <summary>A region: country (level 0), province (level 1) or a planner's own area. ★ not part of HSDS.</summary>
internal sealed record RegionDocument(
    Guid Id, string Code, string Name, int Level, string? ParentCode, long? Population, string? AreaClass, string? Source,
    JsonElement? Geometry);

internal sealed record RegionListQuery(
    [property: Description("Only regions of this level (0 = country, 1 = province, …).")][FromQuery(Name = "level")] int? Level = null,
    [property: Description("Only regions inside this parent region code.")][FromQuery(Name = "parent_code")] string? ParentCode = null,
    [property: Description("Include each region's outline as GeoJSON (large).")][FromQuery(Name = "with_geometry")] bool? WithGeometry = null,
    [property: Description("With with_geometry: simplify the outlines to this tolerance in degrees (0.001–1, e.g. 0.02 for a basemap; topology kept), for drawing, never for analysis.")][FromQuery(Name = "simplify")] double? Simplify = null);

internal sealed class RegionQueries(ReferralDbContext db)
{
    public async Task<List<RegionDocument>> ListAsync(int? level, string? parentCode, bool withGeometry, double? simplify, CancellationToken ct)
    {
        var regions = db.Regions.AsNoTracking();
        if (level is { } l)
        {
            regions = regions.Where(r => r.Level == l);
        }
        if (parentCode is { } parent)
        {
            regions = regions.Where(r => r.ParentCode == parent);
        }
        var rows = await regions.OrderBy(r => r.Level).ThenBy(r => r.Code).ToListAsync(ct);
        if (withGeometry && simplify is { } tolerance)
        {
            foreach (var r in rows.Where(r => r.Geometry is not null))
            {
                r.Geometry = NetTopologySuite.Simplify.TopologyPreservingSimplifier.Simplify(r.Geometry, tolerance) as NetTopologySuite.Geometries.MultiPolygon
                    ?? r.Geometry;
            }
        }
        return [.. rows.Select(r => ToDocument(r, withGeometry))];
    }

    public async Task<RegionDocument?> FindAsync(string code, CancellationToken ct) =>
        await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Code == code, ct) is { } r ? ToDocument(r, withGeometry: true) : null;

    private static RegionDocument ToDocument(Region r, bool withGeometry) => new(
        r.Id, r.Code, r.Name, r.Level, r.ParentCode, r.Population, r.AreaClass, r.Source,
        withGeometry && r.Geometry is not null ? JsonSerializer.SerializeToElement<NetTopologySuite.Geometries.Geometry>(r.Geometry, JsonSetup.Options) : null);
}
