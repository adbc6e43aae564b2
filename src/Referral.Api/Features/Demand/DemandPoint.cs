using NetTopologySuite.Geometries;

namespace Referral.Api.Features.Demand;

internal sealed class DemandPoint
{
    public Guid Id { get; set; }
    public Guid DatasetId { get; set; }

    /// <summary>A database-assigned row number (identity): gap analyses split a dataset into ranges of it for parallel work.</summary>
    public long Seq { get; set; }

    public required string Name { get; set; }
    public required Point Point { get; set; }
    public long? Population { get; set; }
    public string? SettlementClass { get; set; }
    public string? RegionCode { get; set; }
}
