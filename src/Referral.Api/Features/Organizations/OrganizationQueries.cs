using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Organizations;

internal sealed record OrganizationListQuery(
    [property: Description("Search organization names and descriptions (accent-insensitive).")][FromQuery(Name = "search")] string? Search = null,
    [property: Description("1-based page number.")][FromQuery(Name = "page")] int? Page = null,
    [property: Description("Items per page (default 50, capped at 100).")][FromQuery(Name = "per_page")] int? PerPage = null);

internal sealed class OrganizationQueries(ReferralDbContext db)
{
    /// <summary>The list's filter (search in name and description, accents ignored), shared with ndjson exports.</summary>
    internal static IQueryable<Organization> Filter(IQueryable<Organization> orgs, OrganizationListQuery q)
    {
        if (q.Search is { Length: > 0 } search)
        {
            var pattern = "%" + LikePattern.Escape(search.Trim()) + "%";
            orgs = orgs.Where(o =>
                EF.Functions.ILike(EF.Functions.Unaccent(o.Name), EF.Functions.Unaccent(pattern)) ||
                EF.Functions.ILike(EF.Functions.Unaccent(o.Description ?? ""), EF.Functions.Unaccent(pattern)));
        }
        return orgs;
    }

    public async Task<Page<OrganizationDocument>> ListAsync(OrganizationListQuery q, PageRequest page, CancellationToken ct)
    {
        var orgs = Filter(db.Organizations.AsNoTracking(), q);
        var total = await orgs.CountAsync(ct);
        var rows = await orgs.OrderBy(o => o.Name).ThenBy(o => o.Id).Skip(page.Skip).Take(page.Size).ToListAsync(ct);
        return Page<OrganizationDocument>.Create([.. rows.Select(OrganizationMapping.ToDocument)], total, page);
    }

    public async Task<(OrganizationDocument Document, uint Version)?> FindAsync(Guid id, CancellationToken ct) =>
        await db.Organizations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct) is { } o
            ? (OrganizationMapping.ToDocument(o), o.Version)
            : null;
}
