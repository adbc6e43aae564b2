using System.Text.Json;
using System.Text.Json.Serialization;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Taxonomy;

namespace Referral.Api.Features.Services;

/// <summary>
/// HSDS 3.1 <c>service</c>, fully nested. The same document is returned by <c>GET /api/services/{id}</c> and accepted by
/// <c>POST</c>/<c>PUT</c>, so what you read can be written back. ★ marks our additions; read-only fields are ignored on write.
/// </summary>
internal sealed record ServiceDocument
{
    public Guid? Id { get; init; }
    public Guid? OrganizationId { get; init; }
    public string? Name { get; init; }
    public string? AlternateName { get; init; }
    public string? Description { get; init; }
    public string? Url { get; init; }
    public string? Email { get; init; }
    public string? Status { get; init; }
    public string? InterpretationServices { get; init; }
    public string? ApplicationProcess { get; init; }
    public string? FeesDescription { get; init; }
    public string? EligibilityDescription { get; init; }
    public int? MinimumAge { get; init; }
    public int? MaximumAge { get; init; }
    public string? AssuredDate { get; init; }
    public string? AssurerEmail { get; init; }
    public string? Alert { get; init; }
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>★ the service costs nothing.</summary>
    public bool? IsFree { get; init; }

    /// <summary>★ open around the clock (schedules are then informative).</summary>
    [JsonPropertyName("available_24_7")]
    public bool? Available247 { get; init; }

    /// <summary>★ any | female | male | non_binary | other.</summary>
    public string[]? Genders { get; init; }

    /// <summary>★ in_person, phone, sms, whatsapp, chat, email, online_form, outreach.</summary>
    public string[]? DeliveryModes { get; init; }

    /// <summary>★ child | caregiver | professional.</summary>
    public string[]? Audience { get; init; }

    /// <summary>★ platforms an online reporting channel acts on (facebook, tiktok, games, …).</summary>
    public string[]? Platforms { get; init; }

    /// <summary>★ referral-category term codes; a shortcut for the attributes that link those terms.</summary>
    public string[]? Categories { get; init; }

    /// <summary>★ true for fictional demo records (read-only).</summary>
    public bool? Demo { get; init; }

    /// <summary>★ verified (assured within the freshness window), stale or unverified (read-only).</summary>
    public string? VerificationStatus { get; init; }

    /// <summary>★ the system the record was imported from (the import's <c>source</c>), read-only; absent for records made here.</summary>
    public string? Source { get; init; }

    /// <summary>★ the record's id in that system (the file's id/source_id column), read-only: match records back to the source.</summary>
    public string? SourceId { get; init; }

    public OrganizationDocument? Organization { get; init; }
    public PhoneDocument[]? Phones { get; init; }
    public ScheduleDocument[]? Schedules { get; init; }
    public ServiceAreaDocument[]? ServiceAreas { get; init; }
    public ServiceAtLocationDocument[]? ServiceAtLocations { get; init; }
    public LanguageDocument[]? Languages { get; init; }
    public AttributeDocument[]? Attributes { get; init; }
}

internal sealed record PhoneDocument
{
    public Guid? Id { get; init; }
    public Guid? ServiceId { get; init; }
    public string? Number { get; init; }
    public int? Extension { get; init; }
    public string? Type { get; init; }
    public string? Description { get; init; }
    public LanguageDocument[]? Languages { get; init; }
}

internal sealed record LanguageDocument
{
    public Guid? Id { get; init; }
    public Guid? ServiceId { get; init; }
    public Guid? PhoneId { get; init; }
    public string? Name { get; init; }

    /// <summary>ISO 639-1 or 639-3 code, e.g. es, en, bzd.</summary>
    public string? Code { get; init; }

    public string? Note { get; init; }
}

/// <summary>HSDS 3.1 <c>schedule</c> as a weekly rule; ★ <c>time_zone</c> is the IANA zone the times are in.</summary>
internal sealed record ScheduleDocument
{
    public Guid? Id { get; init; }
    public Guid? ServiceId { get; init; }
    public string? Freq { get; init; }
    public string? Byday { get; init; }
    public string? OpensAt { get; init; }
    public string? ClosesAt { get; init; }
    public string? ValidFrom { get; init; }
    public string? ValidTo { get; init; }

    /// <summary>HSDS: the UTC offset in hours (read-only; derived from <c>time_zone</c>).</summary>
    public double? Timezone { get; init; }

    /// <summary>★ IANA time zone, e.g. America/Costa_Rica.</summary>
    public string? TimeZone { get; init; }

    public string? Description { get; init; }
    public string? Notes { get; init; }
}

/// <summary>HSDS 3.1 <c>service_area</c>: <c>extent</c> is a GeoJSON (Multi)Polygon, as a string; ★ <c>region_codes</c>.</summary>
internal sealed record ServiceAreaDocument
{
    public Guid? Id { get; init; }
    public Guid? ServiceId { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }

    /// <summary>GeoJSON geometry; a JSON string (HSDS) or, on write, a GeoJSON object.</summary>
    public JsonElement? Extent { get; init; }

    public string? ExtentType { get; init; }
    public string[]? RegionCodes { get; init; }
}

internal sealed record ServiceAtLocationDocument
{
    public Guid? Id { get; init; }
    public Guid? ServiceId { get; init; }
    public Guid? LocationId { get; init; }
    public string? Description { get; init; }
    public LocationDocument? Location { get; init; }

    /// <summary>★ service summary, on <c>/api/service_at_locations</c> (read-only).</summary>
    public ServiceDocument? Service { get; init; }

    /// <summary>★ metres on the ellipsoid from the searched point, when searching by <c>lat</c>/<c>lng</c> (read-only).</summary>
    public double? DistanceM { get; init; }
}
