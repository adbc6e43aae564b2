using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.ServiceAtLocations;

internal sealed record ServiceAtLocationListQuery(
    [property: Description("Search service names and descriptions (accent-insensitive).")][FromQuery(Name = "search")] string? Search = null,
    [property: Description("Only rows whose service is linked to this taxonomy term.")][FromQuery(Name = "taxonomy_term_id")] Guid? TaxonomyTermId = null,
    [property: Description("Only rows whose service is linked to a term of this taxonomy.")][FromQuery(Name = "taxonomy_id")] Guid? TaxonomyId = null,
    [property: Description("Only rows of this organization's services.")][FromQuery(Name = "organization_id")] Guid? OrganizationId = null,
    [property: Description("Only rows whose service was modified after this instant (ISO 8601).")][FromQuery(Name = "modified_after")] DateTimeOffset? ModifiedAfter = null,
    [property: Description("Latitude to search around (WGS 84); results are sorted by distance and carry distance_m.")][FromQuery(Name = "lat")] double? Lat = null,
    [property: Description("Longitude to search around (WGS 84).")][FromQuery(Name = "lng")] double? Lng = null,
    [property: Description("Only rows within this many metres of lat/lng (HSDS proximity).")][FromQuery(Name = "proximity")] double? Proximity = null,
    [property: Description("Only rows at a location with this postal code (HSDS postcode; spaces and case ignored; only locations the caller sees exactly).")][FromQuery(Name = "postcode")] string? Postcode = null,
    [property: Description("1-based page number.")][FromQuery(Name = "page")] int? Page = null,
    [property: Description("Items per page (default 50, capped at 100).")][FromQuery(Name = "per_page")] int? PerPage = null);

internal sealed class ServiceAtLocationQueries(ReferralDbContext db, Access.ActorContext actor)
{
    /// <summary>
    /// Rows at hidden locations are listed only to those who may see them exactly (Actor.MayListWhere). Shared with the
    /// OGC API – Features collection of services, so both list the same rows.
    /// </summary>
    internal IQueryable<ServiceAtLocation> Visible => db.ServiceAtLocations.AsNoTracking().Where(actor.Current.MayListWhere<ServiceAtLocation>(x => x.Location!));

    public async Task<Page<ServiceAtLocationDocument>> ListAsync(
        ServiceAtLocationListQuery q, Referrals.GeoPoint? origin, PageRequest page, CancellationToken ct)
    {
        var rows = Visible;
        if (q.Search is { Length: > 0 } search)
        {
            var matching = db.Services.Matching(search).Select(x => x.Id);
            rows = rows.Where(x => matching.Contains(x.ServiceId));
        }
        if (q.TaxonomyTermId is { } termId)
        {
            rows = rows.Where(x => x.Service!.Attributes.Any(a => a.TaxonomyTermId == termId));
        }
        if (q.TaxonomyId is { } taxonomyId)
        {
            rows = rows.Where(x => x.Service!.Attributes.Any(a => a.TaxonomyTerm!.TaxonomyId == taxonomyId));
        }
        if (q.OrganizationId is { } orgId)
        {
            rows = rows.Where(x => x.Service!.OrganizationId == orgId);
        }
        if (q.ModifiedAfter is { } after)
        {
            var utc = after.ToUniversalTime();
            rows = rows.Where(x => (x.Service!.PublicLastModified ?? x.Service.LastModified) > utc);
        }
        if (Services.Postcodes.Normalize(q.Postcode) is { } postcode)
        {
            // Only addresses the caller sees exactly: a hidden or approximate site's postcode must not be found by probing.
            rows = rows.Where(actor.Current.SeesExactWhere<ServiceAtLocation>(x => x.Location!))
                .Where(x => x.Location!.Addresses.Any(a => a.PostalCode != null && EF.Functions.ILike(a.PostalCode.Replace(" ", ""), postcode)));
        }
        if (origin is not null)
        {
            return await NearPageAsync(rows, origin, q.Proximity, page, ct);
        }
        var total = await rows.CountAsync(ct);
        var page_ = await Include(rows.OrderBy(x => x.Service!.Name).ThenBy(x => x.Id).Skip(page.Skip).Take(page.Size)).ToListAsync(ct);
        return Page<ServiceAtLocationDocument>.Create([.. page_.Select(x => ToDocument(x))], total, page);
    }

    /// <summary>
    /// HSDS proximity search: sorted by distance from the public point. With a proximity the set is bounded and
    /// sorted on the exact ellipsoidal distance; without one the GiST index orders it (<c>&lt;-&gt;</c>).
    /// </summary>
    private async Task<Page<ServiceAtLocationDocument>> NearPageAsync(
        IQueryable<ServiceAtLocation> rows, Referrals.GeoPoint origin, double? proximity, PageRequest page, CancellationToken ct)
    {
        var point = Geo.Point(origin.Latitude, origin.Longitude);
        rows = rows.Where(x => x.Location!.PublicPoint != null);
        if (proximity is { } metres)
        {
            rows = rows.Where(x => x.Location!.PublicPoint!.IsWithinDistance(point, metres));
        }
        var total = await rows.CountAsync(ct);
        var ordered = proximity is null
            ? rows.OrderBy(x => EF.Functions.DistanceKnn(x.Location!.PublicPoint!, point)).ThenBy(x => x.Id)
            : rows.OrderBy(x => x.Location!.PublicPoint!.Distance(point)).ThenBy(x => x.Id);
        var hits = await ordered.Skip(page.Skip).Take(page.Size)
            .Select(x => new { x.Id, Distance = x.Location!.PublicPoint!.Distance(point), Exact = x.Location.Point!.Distance(point), x.Location.Visibility, x.Location.OrganizationId })
            .ToListAsync(ct);
        var ids = hits.Select(h => h.Id).ToList();
        var loaded = await Include(db.ServiceAtLocations.AsNoTracking().Where(x => ids.Contains(x.Id))).ToDictionaryAsync(x => x.Id, ct);
        return Page<ServiceAtLocationDocument>.Create(
            [.. hits.Select(h => ToDocument(loaded[h.Id], actor.Current.SeesExact(h.OrganizationId, h.Visibility)
                ? Math.Round(h.Exact, 1)
                : Referrals.NearestQueries.PublicDistance(h.Distance, h.Visibility)))], total, page);
    }

    public async Task<ServiceAtLocationDocument?> FindAsync(Guid id, CancellationToken ct) =>
        await Include(Visible.Where(x => x.Id == id)).FirstOrDefaultAsync(ct) is { } row ? ToDocument(row) : null;

    private static IQueryable<ServiceAtLocation> Include(IQueryable<ServiceAtLocation> rows) => rows
        .Include(x => x.Location!).ThenInclude(l => l.Addresses)
        .Include(x => x.Service!).ThenInclude(s => s.Organization)
        .Include(x => x.Service!).ThenInclude(s => s.Attributes).ThenInclude(a => a.TaxonomyTerm!).ThenInclude(t => t.Taxonomy)
        .AsSplitQuery();

    private ServiceAtLocationDocument ToDocument(ServiceAtLocation x, double? distanceM = null) =>
        ServiceMapping.ToDocument(x, actor.Current)! with
        {
            Service = ServiceMapping.Summary(x.Service!),
            DistanceM = distanceM,
        };
}
