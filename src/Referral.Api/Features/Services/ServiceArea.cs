using NetTopologySuite.Geometries;

namespace Referral.Api.Features.Services;

/// <summary>Where a service without a point (helplines, online channels) serves: a geometry, region codes, or both.</summary>
internal sealed class ServiceArea : Infrastructure.IHasId
{
    public Guid Id { get; set; }
    public Guid ServiceId { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public MultiPolygon? Extent { get; set; }
    public string[] RegionCodes { get; set; } = [];
}
