using Referral.Api.Features.Locations;
using Referral.Api.Features.Services;

namespace Referral.Api.Features.ServiceAtLocations;

/// <summary>The unit geo search runs over: one service offered at one location.</summary>
internal sealed class ServiceAtLocation
{
    public Guid Id { get; set; }
    public Guid ServiceId { get; set; }
    public Service? Service { get; set; }
    public Guid LocationId { get; set; }
    public Location? Location { get; set; }
    public string? Description { get; set; }
}
