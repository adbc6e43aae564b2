namespace Referral.Api.Features.Gaps;

/// <summary>
/// One gap analysis of a demand dataset: its options, progress and (once finished) its results. Results are kept and
/// reused while <see cref="InputHash"/> still matches the inputs (dataset version, options, directory and regions).
/// </summary>
internal sealed class GapAnalysis
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public static readonly string[] Statuses = [Queued, Running, Succeeded, Failed];

    public Guid Id { get; set; }
    public Guid DatasetId { get; set; }

    /// <summary>The organization that started it (Actor.PlanningOwner); null when a key without organization did.</summary>
    public Guid? OwnerOrganizationId { get; set; }

    /// <summary>The key (actor name) that started it when it has no organization.</summary>
    public string? OwnerActor { get; set; }

    public required string Status { get; set; }
    public int ProgressPercent { get; set; }
    public string? Stage { get; set; }

    /// <summary>SHA-256 (hex) of everything the results depend on; see <see cref="GapInputs"/>.</summary>
    public required string InputHash { get; set; }

    /// <summary>The normalised <see cref="GapOptions"/> as JSON.</summary>
    public required string Options { get; set; }

    public long DatasetVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }
    public int? Settlements { get; set; }

    /// <summary>The <see cref="GapResults"/> as JSON, once succeeded.</summary>
    public string? Results { get; set; }
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
