using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Referral.Api.Data;
using Referral.Api.Features.Services;

namespace Referral.Api.Features.Referrals;

internal sealed record CategoryInfo(string Code, string Name, IReadOnlyDictionary<string, string> Labels)
{
    public string Label(string? language) =>
        language is not null && Labels.TryGetValue(language, out var l) ? l
        : Labels.TryGetValue("en", out var en) ? en
        : Name;
}

/// <summary>The referral-category terms, cached for a minute: every nearest query validates its categories against them.</summary>
internal sealed class CategoryCatalog(ReferralDbContext db, IMemoryCache cache)
{
    private static readonly object Key = new();

    public async Task<IReadOnlyDictionary<string, CategoryInfo>> GetAsync(CancellationToken ct) =>
        (await cache.GetOrCreateAsync(Key, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1);
            var terms = await db.TaxonomyTerms.AsNoTracking()
                .Where(t => t.Taxonomy!.Name == ServiceMapping.CategoryTaxonomy)
                .OrderBy(t => t.Code)
                .ToListAsync(ct);
            return (IReadOnlyDictionary<string, CategoryInfo>)terms.ToDictionary(t => t.Code, t => new CategoryInfo(t.Code, t.Name, t.Labels));
        }))!;
}
