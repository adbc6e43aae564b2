using Referral.Api.Features.Organizations;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Services;

internal sealed class Service : IVersioned
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization? Organization { get; set; }
    public required string Name { get; set; }
    public string? AlternateName { get; set; }
    public string? Description { get; set; }
    public string? Url { get; set; }
    public string? Email { get; set; }
    public required string Status { get; set; }
    public string? InterpretationServices { get; set; }
    public string? ApplicationProcess { get; set; }
    public string? FeesDescription { get; set; }
    public string? EligibilityDescription { get; set; }
    public int? MinimumAge { get; set; }
    public int? MaximumAge { get; set; }
    public string? Alert { get; set; }
    public DateOnly? AssuredDate { get; set; }
    public string? AssurerEmail { get; set; }
    public bool? IsFree { get; set; }
    public bool Available24x7 { get; set; }
    public string[] Genders { get; set; } = [];
    public string[] DeliveryModes { get; set; } = [];
    public string[] Languages { get; set; } = [];
    public string[] Audience { get; set; } = [];
    public string[] Platforms { get; set; } = [];
    public bool IsDemo { get; set; }

    /// <summary>Where an imported record came from (a dataset name) and its id there; re-imports update by these.</summary>
    public string? Source { get; set; }

    public string? SourceId { get; set; }

    /// <summary>Full-text document over names and description in es/en/pt/fr, accent-free; maintained by the database.</summary>
    public NpgsqlTypes.NpgsqlTsVector? SearchDocument { get; private set; }
    public DateTimeOffset LastModified { get; set; }

    /// <summary>
    /// When the public view of the service last changed; null: the same as <see cref="LastModified"/>. A write that changes
    /// only what the public does not see (a confidential location's exact point, address or free text) keeps it, so the
    /// public's last_modified and ETag cannot reveal that a shelter moved (issue 11 item 12; <see cref="ServiceVersions"/>).
    /// </summary>
    public DateTimeOffset? PublicLastModified { get; set; }
    public uint Version { get; set; }

    public List<ServiceAtLocation> ServiceAtLocations { get; set; } = [];
    public List<Phone> Phones { get; set; } = [];
    public List<Schedule> Schedules { get; set; } = [];
    public List<ServiceArea> ServiceAreas { get; set; } = [];
    public List<ServiceAttribute> Attributes { get; set; } = [];
}
