namespace Referral.Api.Features.Gaps;

/// <summary>
/// One gap analysis of a demand dataset: its options, progress and (once finished) its results. Results are kept and
/// reused while <see cref="Jobs.BackgroundJob.InputHash"/> still matches the inputs (dataset version, options, directory and regions).
/// </summary>
internal sealed class GapAnalysis : Jobs.BackgroundJob
{
    public const string Queued = Jobs.JobStatus.Queued;
    public const string Running = Jobs.JobStatus.Running;
    public const string Succeeded = Jobs.JobStatus.Succeeded;
    public const string Failed = Jobs.JobStatus.Failed;

    public int? Settlements { get; set; }
}

/// <summary>
/// One settlement's outcome in one analysis: its class and region as the analysis assigned them, and per requested
/// category (same order as the analysis's categories) the public distance to the nearest in-person site and whether a
/// service area covers it. Written set-based by <see cref="GapRunner"/>; read by the exports.
/// </summary>
internal sealed class GapPointResult
{
    public Guid AnalysisId { get; set; }
    public long Seq { get; set; }
    public Guid DemandPointId { get; set; }
    public long? Population { get; set; }
    public double Weight { get; set; }
    public required string SettlementClass { get; set; }
    public required string ClassSource { get; set; }
    public string? RegionCode { get; set; }

    /// <summary>The 2SFCA demand unit the settlement belongs to: its own seq, or a grid cell when demand is aggregated.</summary>
    public long Cell { get; set; }

    public double?[] DistanceM { get; set; } = [];
    public bool[] Covered { get; set; } = [];
}

/// <summary>
/// 2SFCA accessibility of one demand unit (settlement or grid cell) for one category of an analysis, from one slice of
/// the supply units: A_i is the sum over the slices.
/// </summary>
internal sealed class GapCellAccess
{
    public Guid AnalysisId { get; set; }
    public short Category { get; set; }
    public long Cell { get; set; }
    public short Part { get; set; }
    public double Accessibility { get; set; }
}
