namespace Referral.Api.Features.Organizations;

/// <summary>HSDS 3.1 <c>organization</c>; read and written in the same shape.</summary>
internal sealed record OrganizationDocument
{
    public Guid? Id { get; init; }
    public string? Name { get; init; }
    public string? AlternateName { get; init; }
    public string? Description { get; init; }
    public string? Email { get; init; }
    public string? Website { get; init; }
    public string? LegalStatus { get; init; }
    public int? YearIncorporated { get; init; }

    /// <summary>★ when the record last changed (read-only).</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>★ true for fictional demo records (read-only).</summary>
    public bool? Demo { get; init; }

    /// <summary>★ the system the record was imported from (the import's <c>source</c>), read-only; absent for records made here.</summary>
    public string? Source { get; init; }

    /// <summary>★ the record's id in that system (the file's id/source_id column), read-only: match records back to the source.</summary>
    public string? SourceId { get; init; }
}
