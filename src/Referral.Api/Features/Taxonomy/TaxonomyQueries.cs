using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Taxonomy;

internal sealed record TaxonomyTermListQuery(
    [property: Description("Only terms of this taxonomy.")][FromQuery(Name = "taxonomy_id")] Guid? TaxonomyId = null,
    [property: Description("Only children of this term.")][FromQuery(Name = "parent_id")] Guid? ParentId = null,
    [property: Description("Only terms without a parent.")][FromQuery(Name = "top_only")] bool? TopOnly = null,
    [property: Description("Search term codes and names (accent-insensitive).")][FromQuery(Name = "search")] string? Search = null,
    [property: Description("1-based page number.")][FromQuery(Name = "page")] int? Page = null,
    [property: Description("Items per page (default 50, capped at 100).")][FromQuery(Name = "per_page")] int? PerPage = null);

internal sealed class TaxonomyQueries(ReferralDbContext db)
{
    public async Task<Page<TaxonomyDocument>> ListTaxonomiesAsync(PageRequest page, CancellationToken ct)
    {
        var all = db.Taxonomies.AsNoTracking();
        var total = await all.CountAsync(ct);
        var rows = await all.OrderBy(t => t.Name).ThenBy(t => t.Id).Skip(page.Skip).Take(page.Size).ToListAsync(ct);
        return Page<TaxonomyDocument>.Create([.. rows.Select(TaxonomyMapping.ToDocument)], total, page);
    }

    public async Task<TaxonomyDocument?> FindTaxonomyAsync(Guid id, CancellationToken ct) =>
        await db.Taxonomies.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct) is { } t ? TaxonomyMapping.ToDocument(t) : null;

    public async Task<Page<TaxonomyTermDocument>> ListTermsAsync(TaxonomyTermListQuery q, PageRequest page, CancellationToken ct)
    {
        var terms = db.TaxonomyTerms.AsNoTracking();
        if (q.TaxonomyId is { } taxonomyId)
        {
            terms = terms.Where(t => t.TaxonomyId == taxonomyId);
        }
        if (q.ParentId is { } parentId)
        {
            terms = terms.Where(t => t.ParentId == parentId);
        }
        if (q.TopOnly == true)
        {
            terms = terms.Where(t => t.ParentId == null);
        }
        if (q.Search is { Length: > 0 } search)
        {
            var pattern = "%" + LikePattern.Escape(search.Trim()) + "%";
            terms = terms.Where(t => EF.Functions.ILike(t.Code, pattern) ||
                EF.Functions.ILike(EF.Functions.Unaccent(t.Name), EF.Functions.Unaccent(pattern)));
        }
        var total = await terms.CountAsync(ct);
        var rows = await terms.Include(t => t.Taxonomy).OrderBy(t => t.Taxonomy!.Name).ThenBy(t => t.Code).ThenBy(t => t.Id)
            .Skip(page.Skip).Take(page.Size).ToListAsync(ct);
        return Page<TaxonomyTermDocument>.Create([.. rows.Select(TaxonomyMapping.ToDocument)], total, page);
    }

    public async Task<TaxonomyTermDocument?> FindTermAsync(Guid id, CancellationToken ct) =>
        await db.TaxonomyTerms.AsNoTracking().Include(t => t.Taxonomy).FirstOrDefaultAsync(t => t.Id == id, ct) is { } t
            ? TaxonomyMapping.ToDocument(t)
            : null;
}
