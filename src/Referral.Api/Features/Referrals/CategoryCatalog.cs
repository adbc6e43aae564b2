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

/// <summary>
/// The referral-category terms, cached for a minute: every nearest query validates its categories against them. Every
/// instance drops its copy as soon as the terms change anywhere (a trigger on taxonomy_term NOTIFYs
/// <see cref="Data.DbNotifications.CacheChannel"/>); the minute is only the safety net when a notification is missed.
/// </summary>
internal sealed class CategoryCatalog(ReferralDbContext db, IMemoryCache cache)
{
    /// <summary>The NOTIFY payload that drops the cached catalog.</summary>
    public const string Notification = "categories";

    private static readonly object Key = new();

    public static void Evict(IMemoryCache cache) => cache.Remove(Key);

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
