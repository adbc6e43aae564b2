using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;

namespace Referral.Api.GraphQL.Loaders;

/// <summary>What a service's ETag is made of (<see cref="Features.Services.ServiceVersions"/>).</summary>
internal sealed record ServiceVersionRow(uint Version, Guid OrganizationId, DateTimeOffset PublicLastModified);

/// <summary>The row version (<c>xmin</c>, REST's ETag) and public time of each service in a batch; null when the service does not exist.</summary>
internal sealed class ServiceVersionLoader(ReferralDbContext db) : BatchLoader<Guid, ServiceVersionRow?>(async (ids, ct) =>
{
    var keys = ids.ToArray();
    return await db.Services.AsNoTracking().Where(s => keys.Contains(s.Id))
        .Select(s => new { s.Id, Row = new ServiceVersionRow(s.Version, s.OrganizationId, s.PublicLastModified ?? s.LastModified) })
        .ToDictionaryAsync(s => s.Id, s => (ServiceVersionRow?)s.Row, ct);
});
