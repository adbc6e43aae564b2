using Referral.Api.Features.Locations;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Organizations;

internal sealed class Organization : IVersioned
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? AlternateName { get; set; }
    public string? Description { get; set; }
    public string? Email { get; set; }
    public string? Website { get; set; }
    public string? LegalStatus { get; set; }
    public int? YearIncorporated { get; set; }
    public bool IsDemo { get; set; }

    /// <summary>Where an imported record came from (a dataset name) and its id there; re-imports update by these.</summary>
    public string? Source { get; set; }

    public string? SourceId { get; set; }
    public DateTimeOffset LastModified { get; set; }
    public uint Version { get; set; }

    public List<Service> Services { get; set; } = [];
    public List<Location> Locations { get; set; } = [];
}
