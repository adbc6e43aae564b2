using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;

namespace Referral.Api.GraphQL.Loaders;

/// <summary>The row version (<c>xmin</c>, REST's ETag) of each service in a batch; null when the service does not exist.</summary>
internal sealed class ServiceVersionLoader(ReferralDbContext db) : BatchLoader<Guid, uint?>(async (ids, ct) =>
{
    var keys = ids.ToArray();
    return await db.Services.AsNoTracking().Where(s => keys.Contains(s.Id))
        .Select(s => new { s.Id, s.Version }).ToDictionaryAsync(s => s.Id, s => (uint?)s.Version, ct);
});
