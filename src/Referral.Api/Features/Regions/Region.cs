using NetTopologySuite.Geometries;

namespace Referral.Api.Features.Regions;

/// <summary>An administrative or planning area (ISO 3166-1/2 or user codes) used by service areas and gap analysis.</summary>
internal sealed class Region
{
    public Guid Id { get; set; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public int Level { get; set; }
    public string? ParentCode { get; set; }
    public MultiPolygon? Geometry { get; set; }
    public long? Population { get; set; }
    public string? AreaClass { get; set; }
    public string? Source { get; set; }
}
