using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Services;

namespace Referral.Api.GraphQL.Loaders;

/// <summary>
/// The fully nested document of each service in a batch, loaded with the same query and mapping as
/// <c>GET /api/services/{id}</c> (<see cref="ServiceQueries.Full"/>, <see cref="ServiceMapping.ToDocument(Service, Features.Access.Actor, DateTimeOffset)"/>),
/// so nested GraphQL fields show exactly what REST shows the same caller: for the public, hidden locations left out and
/// approximate ones generalised without address. One split query (a fixed number of SQL commands) per batch.
/// </summary>
internal sealed class ServiceDetailLoader(ReferralDbContext db, TimeProvider clock, Features.Access.ActorContext actor) : BatchLoader<Guid, ServiceDocument>(async (ids, ct) =>
{
    var keys = ids.ToArray();
    var services = await ServiceQueries.Full(db.Services.AsNoTracking()).Where(s => keys.Contains(s.Id)).ToListAsync(ct);
    var now = clock.GetUtcNow();
    var viewer = actor.Current;
    return services.ToDictionary(s => s.Id, s => ServiceMapping.ToDocument(s, viewer, now));
});
