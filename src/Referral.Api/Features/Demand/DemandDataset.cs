namespace Referral.Api.Features.Demand;

/// <summary>Where people live: a planner's population points for gap analysis.</summary>
internal sealed class DemandDataset
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public string? Source { get; set; }
    public string? License { get; set; }
    public bool IsDemo { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<DemandPoint> Points { get; set; } = [];
}
