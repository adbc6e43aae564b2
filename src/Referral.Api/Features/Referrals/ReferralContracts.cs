using Referral.Api.Features.Locations;
using Referral.Api.Features.Services;

namespace Referral.Api.Features.Referrals;

internal sealed record GeoPoint(double Latitude, double Longitude);

/// <summary>One service at a location near the origin, as the public may see it.</summary>
internal sealed record NearbyService(
    double DistanceM,
    bool? OpenNow,
    Guid ServiceAtLocationId,
    ServiceDocument Service,
    LocationDocument Location,
    IReadOnlyList<PhoneDocument> Phones);

/// <summary>A service that serves the origin's area without being near it: national helplines, online reporting.</summary>
internal sealed record RemoteService(
    bool? OpenNow,
    ServiceDocument Service,
    RemoteArea ServiceArea,
    IReadOnlyList<PhoneDocument> Phones);

/// <summary>
/// The service area that covers the origin, without its outline: an outline can hold tens of thousands of vertices, and
/// inlining it made every answer around it as large as the outline. <c>href</c> is the service's detail, which carries it.
/// </summary>
internal sealed record RemoteArea(Guid Id, string? Name, IReadOnlyList<string> RegionCodes, bool HasExtent, string Href)
{
    public static string ServiceHref(Guid serviceId) => $"/api/services/{serviceId}";
}

/// <summary><c>GET /api/nearest</c>: the nearest matching services, and beside them the remote ones that cover the point.</summary>
internal sealed record NearestResponse(
    GeoPoint Origin,
    DateTimeOffset At,
    IReadOnlyList<string> RegionCodes,
    IReadOnlyList<NearbyService> Results,
    IReadOnlyList<RemoteService> Remote);

internal sealed record ReferralCategory(
    string Category,
    string Label,
    NearbyService? Best,
    IReadOnlyList<NearbyService> Alternatives,
    string? Note);

/// <summary><c>GET /api/referral</c>: the one call a helpline app needs.</summary>
internal sealed record ReferralCardResponse(
    GeoPoint Origin,
    DateTimeOffset At,
    ReferralProfile Profile,
    IReadOnlyList<string> RegionCodes,
    IReadOnlyList<ReferralCategory> Categories,
    IReadOnlyList<RemoteService> Remote,
    IReadOnlyList<RemoteService> PlatformChannels,
    string Notice);

internal sealed record ReferralProfile(int? Age, string? Gender, string? Language, string? Audience, string? Platform);
