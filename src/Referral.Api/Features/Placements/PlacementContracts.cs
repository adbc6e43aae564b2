using System.ComponentModel;
using Referral.Api.Features.Gaps;

namespace Referral.Api.Features.Placements;

/// <summary>POST /api/placements (and the GraphQL <c>startPlacement</c> input): the dataset and the category are required.</summary>
internal sealed record PlacementRequest
{
    [property: Description("The demand dataset's id (or give its name in `dataset`).")]
    public Guid? DatasetId { get; init; }

    [property: Description("The demand dataset's name, e.g. \"demo: Costa Rica towns (GeoNames)\".")]
    public string? Dataset { get; init; }

    [property: Description("The referral-category code of the new sites, e.g. police (in-person categories only).")]
    public string? Category { get; init; }

    [property: Description("How many new sites, 1–50; default 3.")]
    public int? K { get; init; }

    [property: Description("coverage (default: most people newly within target_km) or median (p-median: least population-weighted distance).")]
    public string? Objective { get; init; }

    [property: Description("Coverage target in km; default 25 (the gap analysis's target).")]
    public double? TargetKm { get; init; }

    [property: Description("With travel_time: the coverage target in estimated minutes; default 30.")]
    public double? TargetMinutes { get; init; }

    [property: Description("Distance thresholds in km for the 'share within' figures; default 5, 10, 25, 50.")]
    public double[]? ThresholdsKm { get; init; }

    [property: Description("Candidate sites: settlements (default: every settlement of the dataset), grid (cell centres every cell_km) or points (the list in `points`).")]
    public string? Candidates { get; init; }

    [property: Description("Grid cell in km for candidates=grid; default 5.")]
    public double? CellKm { get; init; }

    [property: Description("Candidate points for candidates=points: sites that can actually be used.")]
    public PlacementPoint[]? Points { get; init; }

    [property: Description("Minimum distance in km between two new sites; default 0 (none).")]
    public double? MinSpacingKm { get; init; }

    [property: Description("Only candidates inside these regions (codes; a region includes its sub-regions).")]
    public string[]? WithinRegions { get; init; }

    [property: Description("p-median: new sites are weighed for settlements within this many km; default 100.")]
    public double? ReachKm { get; init; }

    [property: Description("Use the travel-time estimate (straight line × detour ÷ class speed) as in the gap analysis; send {} for the defaults.")]
    public GapTravelRequest? TravelTime { get; init; }

    public GapSettlementThresholds? SettlementThresholds { get; init; }
    public int? Age { get; init; }
    public string? Language { get; init; }
    public string? Gender { get; init; }

    [property: Description("Run in the background even when small (202 + Location).")]
    public bool? Background { get; init; }

    [property: Description("Recompute even when results for the same inputs exist.")]
    public bool? Force { get; init; }
}

internal sealed record PlacementPoint(string? Name, double? Latitude, double? Longitude);

/// <summary>The normalised options of a placement: part of its input hash.</summary>
internal sealed record PlacementOptions
{
    public required string Category { get; init; }
    public int K { get; init; }
    public required string Objective { get; init; }
    public double TargetKm { get; init; }
    public double? TargetMinutes { get; init; }
    public required double[] ThresholdsKm { get; init; }
    public required string Candidates { get; init; }
    public double? CellKm { get; init; }
    public PlacementPoint[]? Points { get; init; }
    public double MinSpacingKm { get; init; }
    public required string[] WithinRegions { get; init; }
    public double ReachKm { get; init; }
    public GapTravelOptions? TravelTime { get; init; }
    public GapSettlementThresholds? SettlementThresholds { get; init; }
    public int? Age { get; init; }
    public string? Language { get; init; }
    public string? Gender { get; init; }
}

internal sealed record PlacementDocument(
    Guid Id,
    string Status,
    int ProgressPercent,
    string? Stage,
    GapDatasetRef Dataset,
    PlacementOptions Options,
    string InputHash,
    Guid? GapAnalysisId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationS,
    string? Error,
    PlacementLinks Links,
    PlacementResults? Results);

internal sealed record PlacementLinks(string Self, string? Csv, string? Geojson, string? GapAnalysis);

internal sealed record PlacementResults(
    PlacementRules Rules,
    PlacementTotals Totals,
    IReadOnlyList<PlacementSite> Sites,
    PlacementSide Before,
    PlacementSide After,
    string Headline);

/// <summary>The method in words: which guarantee holds, how distances and candidates were made, what the figures mean.</summary>
internal sealed record PlacementRules(
    string Objective,
    string Guarantee,
    string Distance,
    string Candidates,
    string Constraints,
    string Figures,
    GapTravelRule? TravelTime);

internal sealed record PlacementTotals(
    int Settlements,
    long? Population,
    string Weighting,
    int Candidates,
    int CandidatesReaching,
    long Pairs,
    int Chosen,
    bool StoppedEarly,
    double Value,
    double GreedyValue,
    int Swaps,
    int Evaluations);

/// <summary>
/// One new site in pick order. <c>gain</c> is what it adds given the sites picked before it: people newly covered
/// (coverage) or the population-weighted km (minutes) saved (median); <c>cumulative</c> is the running total, and
/// <c>after</c> the headline figures once it is open.
/// </summary>
internal sealed record PlacementSite(
    int Rank,
    string Name,
    double Latitude,
    double Longitude,
    string Source,
    Guid? DemandPointId,
    string? RegionCode,
    string? SettlementClass,
    double Gain,
    double Cumulative,
    PlacementStep After);

internal sealed record PlacementStep(
    double? ServedShare,
    double? UrbanServedShare,
    double? RuralServedShare,
    double? MeanDistanceM,
    double? UrbanMeanDistanceM,
    double? RuralMeanDistanceM);

/// <summary>All settlements, the urban ones (urban centres + towns), the rural ones, and rural ÷ urban.</summary>
internal sealed record PlacementSide(PlacementMetrics All, PlacementMetrics Urban, PlacementMetrics Rural, PlacementRatios RuralToUrban);

/// <summary>
/// Figures with the gap analysis's definitions: metres on the WGS 84 ellipsoid to the nearest site of the category,
/// population-weighted; <c>served_share</c> is the share within the placement's target (km, or estimated minutes).
/// </summary>
internal sealed record PlacementMetrics(
    int Settlements,
    double Weight,
    long? Population,
    double? MeanDistanceM,
    double? MedianDistanceM,
    IReadOnlyList<GapShare> Within,
    double? ServedShare,
    double? TravelMinutesMean,
    double? TravelMinutesMedian);

internal sealed record PlacementRatios(
    double? MeanDistance,
    double? MedianDistance,
    IReadOnlyList<GapShare> Within,
    double? ServedShare,
    double? TravelMinutesMean);

/// <summary>Query parameters of GET /api/placements.</summary>
internal sealed record PlacementListQuery(
    [property: Description("1-based page number.")][property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "page")] int? Page = null,
    [property: Description("Items per page (default 20, capped at 100).")][property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "per_page")] int? PerPage = null,
    [property: Description("Only placements over this demand dataset.")][property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "dataset_id")] Guid? DatasetId = null);

internal static class PlacementVocabulary
{
    public const string Coverage = "coverage";
    public const string Median = "median";
    public static readonly string[] Objectives = [Coverage, Median];

    public const string Settlements = "settlements";
    public const string Grid = "grid";
    public const string Points = "points";
    public static readonly string[] CandidateSources = [Settlements, Grid, Points];
}
