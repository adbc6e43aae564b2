using NetTopologySuite.Geometries;

namespace Referral.Api.Features.Places;

/// <summary>A gazetteer entry (GeoNames), so people can search near a named town.</summary>
internal sealed class Place
{
    public Guid Id { get; set; }
    public int GeonamesId { get; set; }
    public required string Name { get; set; }
    public required string Country { get; set; }
    public string? RegionCode { get; set; }
    public string? FeatureCode { get; set; }
    public long Population { get; set; }
    public required Point Point { get; set; }
}
