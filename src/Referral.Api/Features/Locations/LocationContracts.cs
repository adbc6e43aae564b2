using System.Text.Json.Serialization;

namespace Referral.Api.Features.Locations;

/// <summary>HSDS 3.1 <c>location</c>; ★ marks our additions.</summary>
internal sealed record LocationDocument
{
    public Guid? Id { get; init; }
    public Guid? OrganizationId { get; init; }
    public string? LocationType { get; init; }
    public string? Url { get; init; }
    public string? Name { get; init; }
    public string? AlternateName { get; init; }
    public string? Description { get; init; }
    public string? Transportation { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    public AddressDocument[]? Addresses { get; init; }
    public AccessibilityDocument[]? Accessibility { get; init; }

    /// <summary>★ public | approximate | hidden. Approximate points are generalised to a grid cell for the public.</summary>
    public string? Visibility { get; init; }

    /// <summary>★ true for fictional demo records.</summary>
    public bool? Demo { get; init; }

    /// <summary>★ the system the record was imported from (the import's <c>source</c>), read-only; absent for records made here and, for the public, for a confidential place.</summary>
    public string? Source { get; init; }

    /// <summary>★ the record's id in that system (the file's id/source_id column), read-only: match records back to the source.</summary>
    public string? SourceId { get; init; }
}

internal sealed record AddressDocument
{
    public Guid? Id { get; init; }
    public Guid? LocationId { get; init; }
    public string? Attention { get; init; }

    [JsonPropertyName("address_1")]
    public string? Address1 { get; init; }

    [JsonPropertyName("address_2")]
    public string? Address2 { get; init; }

    public string? City { get; init; }
    public string? Region { get; init; }
    public string? StateProvince { get; init; }
    public string? PostalCode { get; init; }
    public string? Country { get; init; }
    public string? AddressType { get; init; }
}

internal sealed record AccessibilityDocument
{
    public Guid? Id { get; init; }
    public Guid? LocationId { get; init; }
    public string? Description { get; init; }
}
