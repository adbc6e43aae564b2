using System.ComponentModel.DataAnnotations;

namespace Referral.Api.Infrastructure;

/// <summary>
/// Settings <c>ServiceAreas:*</c>: how much outline one service and one organization may store. Outlines are never inlined
/// in nearest or referral answers, but each is read back whole by the service's detail and by every export.
/// </summary>
internal sealed class ServiceAreaLimits
{
    /// <summary>Service areas one service may have.</summary>
    [Range(1, Limits.Children)]
    public int MaxPerService { get; set; } = 10;

    /// <summary>Vertices in one area's outline; larger areas should be simplified or given as region codes.</summary>
    [Range(4, 1_000_000)]
    public int MaxVertices { get; set; } = 20_000;

    /// <summary>Vertices in all outlines of one organization's services together (write API).</summary>
    [Range(4, 10_000_000)]
    public int MaxOrganizationVertices { get; set; } = 100_000;
}
