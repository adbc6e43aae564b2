using System.Text.Json.Serialization;

namespace Referral.Api.Data.Seeding;

// The shapes of the files in seed/ (see seed/README.md). They are data, read once by SeedLoader.

internal sealed record SeedTaxonomyFile(SeedTaxonomy[] Taxonomies);

internal sealed record SeedTaxonomy(Guid Id, string Name, string Description, string? Uri, string? Version, SeedTerm[] Terms);

internal sealed record SeedTerm(Guid Id, string Code, string Name, string Description, Dictionary<string, string>? Labels);

internal sealed record SeedDirectory(bool Demo, SeedOrganization[] Organizations, SeedLocation[] Locations, SeedService[] Services);

internal sealed record SeedOrganization(Guid Id, string Name, string? Description, string? Email, string? Website, string? LegalStatus);

internal sealed record SeedLocation(
    Guid Id, Guid? OrganizationId, string? Name, string? LocationType, double Latitude, double Longitude, string? Visibility, SeedAddress? Address);

internal sealed record SeedAddress(
    [property: JsonPropertyName("address_1")] string? Address1, string? City, string? StateProvince, string? Region, string? PostalCode, string? Country);

internal sealed record SeedService
{
    public Guid Id { get; init; }
    public Guid OrganizationId { get; init; }
    public required string Name { get; init; }
    public string? AlternateName { get; init; }
    public string? Description { get; init; }
    public required string Status { get; init; }
    public string? Url { get; init; }
    public string? Email { get; init; }
    public string[] Categories { get; init; } = [];
    public string? EligibilityDescription { get; init; }
    public int? MinimumAge { get; init; }
    public int? MaximumAge { get; init; }
    public string[]? Genders { get; init; }
    public bool? IsFree { get; init; }
    public string? FeesDescription { get; init; }
    public string? InterpretationServices { get; init; }
    public string? ApplicationProcess { get; init; }
    public string[]? DeliveryModes { get; init; }

    [JsonPropertyName("available_24_7")]
    public bool? Available247 { get; init; }

    public string[]? Languages { get; init; }
    public string[]? Audience { get; init; }
    public string[]? Platforms { get; init; }
    public string? AssuredDate { get; init; }
    public string? AssurerEmail { get; init; }
    public Guid[] LocationIds { get; init; } = [];
    public SeedPhone[] Phones { get; init; } = [];
    public SeedSchedule[] Schedules { get; init; } = [];
    public SeedServiceArea[] ServiceAreas { get; init; } = [];
}

internal sealed record SeedPhone(Guid Id, string Number, string? Type, string? Description, string[]? Languages);

internal sealed record SeedSchedule(Guid Id, string Byday, string? OpensAt, string? ClosesAt, string Timezone, string? Description);

internal sealed record SeedServiceArea(Guid Id, string? Name, string[]? RegionCodes);
