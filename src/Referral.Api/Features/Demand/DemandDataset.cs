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

    /// <summary>The organization that owns it (Actor.PlanningOwner); null when a key without organization owns it.</summary>
    public Guid? OwnerOrganizationId { get; set; }

    /// <summary>The key (actor name) that owns it when it has no organization; null for organization-owned and seeded data.</summary>
    public string? OwnerActor { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// Bumped by the database on every insert, update or delete of the dataset's points (trigger
    /// <c>demand_point_touch_dataset</c>, migration AddGapAnalyses), whoever writes them: part of a gap analysis's input hash.
    /// </summary>
    public long Version { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public List<DemandPoint> Points { get; set; } = [];
}
