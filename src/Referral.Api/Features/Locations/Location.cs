using NetTopologySuite.Geometries;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Locations;

internal sealed class Location : IVersioned
{
    public Guid Id { get; set; }
    public Guid? OrganizationId { get; set; }
    public string? Name { get; set; }
    public string? AlternateName { get; set; }
    public string? Description { get; set; }
    public required string LocationType { get; set; }
    public string? Url { get; set; }
    public string? Transportation { get; set; }
    public string? Accessibility { get; set; }

    /// <summary>WGS 84, x = longitude, y = latitude; stored as geography(Point, 4326).</summary>
    public Point? Point { get; set; }

    /// <summary>
    /// The point the public may see, computed by the database: the point itself when public, the centre of its
    /// <see cref="Infrastructure.Confidentiality.GridDegrees"/> grid cell when approximate, null when hidden.
    /// Public nearest-service queries order and measure on this column, so confidential sites cannot be triangulated.
    /// </summary>
    public Point? PublicPoint { get; private set; }

    /// <summary><c>public | approximate | hidden</c> — see DESIGN.md "Confidentiality".</summary>
    public required string Visibility { get; set; }

    public bool IsDemo { get; set; }

    /// <summary>Where an imported record came from (a dataset name) and its id there; re-imports update by these.</summary>
    public string? Source { get; set; }

    public string? SourceId { get; set; }
    public DateTimeOffset LastModified { get; set; }
    public uint Version { get; set; }

    public List<Address> Addresses { get; set; } = [];
    public List<ServiceAtLocation> ServiceAtLocations { get; set; } = [];
}
