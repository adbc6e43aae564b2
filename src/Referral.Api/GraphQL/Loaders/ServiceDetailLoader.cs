using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Services;

namespace Referral.Api.GraphQL.Loaders;

/// <summary>
/// The fully nested public document of each service in a batch, loaded with the same query and mapping as
/// <c>GET /api/services/{id}</c> (<see cref="ServiceQueries.Full"/>, <see cref="ServiceMapping.ToDocument(Service, bool, DateTimeOffset)"/>
/// with <c>exact: false</c>), so nested GraphQL fields show exactly REST's public view: hidden locations left out,
/// approximate ones generalised and without address. One split query (a fixed number of SQL commands) per batch.
/// </summary>
internal sealed class ServiceDetailLoader(ReferralDbContext db, TimeProvider clock) : BatchLoader<Guid, ServiceDocument>(async (ids, ct) =>
{
    var keys = ids.ToArray();
    var services = await ServiceQueries.Full(db.Services.AsNoTracking()).Where(s => keys.Contains(s.Id)).ToListAsync(ct);
    var now = clock.GetUtcNow();
    return services.ToDictionary(s => s.Id, s => ServiceMapping.ToDocument(s, exact: false, now));
});
