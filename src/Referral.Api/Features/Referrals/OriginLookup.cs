using NetTopologySuite.Geometries;

namespace Referral.Api.Features.Referrals;

/// <summary>
/// The origin's country, region codes and the service areas covering it, from memory (regions, gazetteer and service
/// areas held in process: <see cref="OriginIndex"/>). Both methods return false when the lookup cannot answer (not loaded, or stale): the SQL path
/// answers then. Only the geography: eligibility, open-now and the rows shown are applied by <see cref="NearestQueries"/>.
/// </summary>
internal interface IOriginLookup
{
    /// <summary>
    /// What <see cref="NearestQueries.OriginAsync"/> answers from the database: the country (nearest level-0 outline
    /// within the coastal tolerance) and the sorted region codes (covering regions, their parents, the coastal rule,
    /// the gazetteer town's region).
    /// </summary>
    bool TryOrigin(Point point, out string? country, out string[] regionCodes);

    /// <summary>
    /// Every service area covering the point, by outline (<c>extent</c> covers it) or by region code (any of
    /// <paramref name="regionCodes"/>), of any service (the caller keeps the active, eligible ones), as
    /// <see cref="RemoteArea"/> with <see cref="RemoteArea.ServiceHref"/>.
    /// </summary>
    bool TryAreasCovering(Point point, string[] regionCodes, out IReadOnlyList<(Guid ServiceId, RemoteArea Area)> areas);
}
