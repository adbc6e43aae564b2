using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;

namespace Referral.Api.Features.Imports;

/// <summary>Where a piece of input came from.</summary>
internal readonly record struct Origin(string File, long Line);

/// <summary>
/// One service as read from the input, before validation: the same nested document the API accepts, with where it came
/// from and the keys that identify it and its parts in the source (so a re-import finds them again).
/// </summary>
internal sealed class SourceRecord
{
    public required ServiceDocument Doc { get; set; }
    public required Origin Origin { get; init; }

    /// <summary>The service's id in the source (its HSDS id, or the flat file's id column, or a content key).</summary>
    public required string Key { get; init; }

    /// <summary>Flat formats: the source keys of the record's locations, by position in <c>service_at_locations</c>.</summary>
    public List<string?> LocationKeys { get; } = [];

    /// <summary>Flat formats: the country each location is declared in (from a column or the import's default), by position.</summary>
    public List<string?> LocationCountries { get; } = [];

    /// <summary>Flat formats: the line of the row each location came from, by position (a service's rows may be several).</summary>
    public List<long> LocationLines { get; } = [];

    /// <summary>Flat formats: the country of the record's first row (a column or the import's default), as ISO 3166-1 alpha-2 when known.</summary>
    public string? Country { get; init; }

    /// <summary>An organization to create or update with the record (a nested HSDS organization, or one named by a column).</summary>
    public OrganizationDocument? Organization { get; set; }

    public string? OrganizationKey { get; set; }

    /// <summary>True when the organization only exists because rows named it (flat formats): dropped if no service uses it.</summary>
    public bool OrganizationImplied { get; set; }

    /// <summary>Problems found while reading (unparsable values): rejections and warnings.</summary>
    public List<ImportIssue> Issues { get; } = [];

    /// <summary>HSDS data package: the table row each nested part came from, so issues point at the right file and line.</summary>
    public Dictionary<object, Origin>? PartOrigins { get; set; }

    /// <summary>Taxonomy terms the document carries (HSDS attributes), to add when missing.</summary>
    public List<TaxonomyTermDocument> Terms { get; } = [];
}

/// <summary>A stand-alone organization record (HSDS data package <c>organizations.csv</c>).</summary>
internal sealed record OrganizationRecord(OrganizationDocument Doc, Origin Origin);

/// <summary>A validated service and everything to write with it, as table rows.</summary>
internal sealed class ImportRecord
{
    public required int Ordinal { get; init; }
    public required Origin Origin { get; init; }
    public required string Key { get; init; }
    public required Service Service { get; init; }

    /// <summary>Locations written with the service (a location only linked by id is not here).</summary>
    public List<Location> Locations { get; } = [];

    /// <summary>Locations whose addresses the input leaves alone (a confidential location read back from a public view).</summary>
    public HashSet<Guid> KeepAddresses { get; } = [];

    public Organization? Organization { get; set; }
    public bool OrganizationImplied { get; set; }

    /// <summary>Category codes (for duplicate detection).</summary>
    public string[] Categories { get; set; } = [];

    public List<ImportIssue> Warnings { get; } = [];

    /// <summary>The audit entry's document of the service, once built (<see cref="PrepareAudit"/>).</summary>
    public string? ServiceAudit { get; private set; }

    /// <summary>The audit entries' documents of <see cref="Locations"/>, by position, once built.</summary>
    public string[]? LocationAudits { get; private set; }

    /// <summary>Builds the audit documents now (on the validating thread) rather than while the rows are copied.</summary>
    public void PrepareAudit()
    {
        ServiceAudit = AuditJson.Service(Service);
        LocationAudits = [.. Locations.Select(AuditJson.Location)];
    }
}
