using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.ServiceAtLocations;

internal sealed record ServiceAtLocationListQuery(
    [property: Description("Search service names and descriptions (accent-insensitive).")] [FromQuery(Name = "search")] string? Search = null,
    [property: Description("Only rows whose service is linked to this taxonomy term.")] [FromQuery(Name = "taxonomy_term_id")] Guid? TaxonomyTermId = null,
    [property: Description("Only rows whose service is linked to a term of this taxonomy.")] [FromQuery(Name = "taxonomy_id")] Guid? TaxonomyId = null,
    [property: Description("Only rows of this organization's services.")] [FromQuery(Name = "organization_id")] Guid? OrganizationId = null,
    [property: Description("Only rows whose service was modified after this instant (ISO 8601).")] [FromQuery(Name = "modified_after")] DateTimeOffset? ModifiedAfter = null,
    [property: Description("1-based page number.")] [FromQuery(Name = "page")] int? Page = null,
    [property: Description("Items per page (default 50, capped at 100).")] [FromQuery(Name = "per_page")] int? PerPage = null);

internal sealed class ServiceAtLocationQueries(ReferralDbContext db)
{
    /// <summary>Public view: rows at hidden locations are never listed.</summary>
    private IQueryable<ServiceAtLocation> Visible => db.ServiceAtLocations.AsNoTracking()
        .Where(x => x.Location!.Visibility != Confidentiality.Hidden);

    public async Task<Page<ServiceAtLocationDocument>> ListAsync(ServiceAtLocationListQuery q, PageRequest page, CancellationToken ct)
    {
        var rows = Visible;
        if (q.Search is { Length: > 0 } search)
        {
            var pattern = "%" + LikePattern.Escape(search.Trim()) + "%";
            rows = rows.Where(x =>
                EF.Functions.ILike(EF.Functions.Unaccent(x.Service!.Name), EF.Functions.Unaccent(pattern)) ||
                EF.Functions.ILike(EF.Functions.Unaccent(x.Service!.Description ?? ""), EF.Functions.Unaccent(pattern)));
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
            rows = rows.Where(x => x.Service!.LastModified > utc);
        }
        var total = await rows.CountAsync(ct);
        var page_ = await Include(rows.OrderBy(x => x.Service!.Name).ThenBy(x => x.Id).Skip(page.Skip).Take(page.Size)).ToListAsync(ct);
        return Page<ServiceAtLocationDocument>.Create([.. page_.Select(ToDocument)], total, page);
    }

    public async Task<ServiceAtLocationDocument?> FindAsync(Guid id, CancellationToken ct) =>
        await Include(Visible.Where(x => x.Id == id)).FirstOrDefaultAsync(ct) is { } row ? ToDocument(row) : null;

    private static IQueryable<ServiceAtLocation> Include(IQueryable<ServiceAtLocation> rows) => rows
        .Include(x => x.Location!).ThenInclude(l => l.Addresses)
        .Include(x => x.Service!).ThenInclude(s => s.Organization)
        .Include(x => x.Service!).ThenInclude(s => s.Attributes).ThenInclude(a => a.TaxonomyTerm!).ThenInclude(t => t.Taxonomy)
        .AsSplitQuery();

    private static ServiceAtLocationDocument ToDocument(ServiceAtLocation x) =>
        ServiceMapping.ToDocument(x, LocationMapping.ToDocument(x.Location!, exact: false)) with
        {
            Service = ServiceMapping.Summary(x.Service!),
        };
}
