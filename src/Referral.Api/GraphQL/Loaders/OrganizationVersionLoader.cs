using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;

namespace Referral.Api.GraphQL.Loaders;

/// <summary>The row version (<c>xmin</c>, REST's ETag) of each organization in a batch; null when it does not exist.</summary>
internal sealed class OrganizationVersionLoader(ReferralDbContext db) : BatchLoader<Guid, uint?>(async (ids, ct) =>
{
    var keys = ids.ToArray();
    return await db.Organizations.AsNoTracking().Where(o => keys.Contains(o.Id))
        .Select(o => new { o.Id, o.Version }).ToDictionaryAsync(o => o.Id, o => (uint?)o.Version, ct);
});
