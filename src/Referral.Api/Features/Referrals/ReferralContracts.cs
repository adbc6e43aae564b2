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
    IReadOnlyList<PhoneDocument> Phones)
{
    /// <summary>The site's country (ISO 3166-1 alpha-2): its address's, else the country outline its point is in.</summary>
    public string? Country { get; init; }

    /// <summary>True when the site is in another country than the origin.</summary>
    public bool Abroad { get; init; }

    /// <summary>True beyond <c>Referrals:FarAwayKm</c> (default 200 km).</summary>
    public bool FarAway { get; init; }

    /// <summary>Why this option needs a second look (across the border, far away).</summary>
    public string? Note { get; init; }
}

/// <summary>A service that serves the origin's area without being near it: national helplines, online reporting.</summary>
internal sealed record RemoteService(
    bool? OpenNow,
    ServiceDocument Service,
    ServiceAreaDocument ServiceArea,
    IReadOnlyList<PhoneDocument> Phones);

/// <summary><c>GET /api/nearest</c>: the nearest matching services, and beside them the remote ones that cover the point.</summary>
internal sealed record NearestResponse(
    GeoPoint Origin,
    DateTimeOffset At,
    IReadOnlyList<string> RegionCodes,
    IReadOnlyList<NearbyService> Results,
    IReadOnlyList<RemoteService> Remote)
{
    /// <summary>The origin's country (the outline its point is in); absent outside every outline the directory has.</summary>
    public string? Country { get; init; }

    /// <summary>Whether results were kept to <see cref="Country"/>.</summary>
    public bool SameCountry { get; init; }

    /// <summary>About borders: a much nearer site abroad, or an origin outside every outline.</summary>
    public string? Note { get; init; }
}

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
    string Notice)
{
    /// <summary>The origin's country (the outline its point is in); absent outside every outline the directory has.</summary>
    public string? Country { get; init; }

    /// <summary>Whether in-person options were kept to <see cref="Country"/>.</summary>
    public bool SameCountry { get; init; }

    /// <summary>About borders: an origin outside every outline.</summary>
    public string? Note { get; init; }
}

internal sealed record ReferralProfile(int? Age, string? Gender, string? Language, string? Audience, string? Platform);
