using System.Text.Json.Serialization;

namespace Referral.Api.Features.Gaps;

/// <summary>An analysis as REST and GraphQL return it: status and progress, then (once succeeded) its results.</summary>
internal sealed record GapAnalysisDocument(
    Guid Id,
    string Status,
    int ProgressPercent,
    string? Stage,
    GapDatasetRef Dataset,
    GapOptions Options,
    string InputHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationS,
    string? Error,
    GapLinks Links,
    GapResults? Results);

internal sealed record GapDatasetRef(Guid Id, string Name, long Version);

/// <summary>Where the exports are (present once the analysis has succeeded).</summary>
internal sealed record GapLinks(string Self, string? Table, string? Points, string? Regions);

internal sealed record GapResults(
    GapRules Rules,
    GapTotals Totals,
    IReadOnlyList<GapCategorySummary> Summary,
    IReadOnlyList<GapGroup> Groups);

/// <summary>Every rule the figures follow, in words and numbers, so a result can be quoted with its method.</summary>
internal sealed record GapRules(
    string Distance,
    GapClassRule SettlementClass,
    string Region,
    string Weighting,
    string Percentiles,
    [property: JsonPropertyName("services_per_100k")] string ServicesPer100k,
    GapFcaRule TwoStepFca,
    string Gap,
    string WorstServed,
    string UrbanRural,
    GapTravelRule? TravelTime,
    string Coverage,
    string Borders);

internal sealed record GapClassRule(string Text, long UrbanCentreMinPopulation, long UrbanClusterMinPopulation, int Given, int Derived, int Unclassified);

internal sealed record GapFcaRule(string Text, double CatchmentKm, string Decay, double CellKm, string Capacity);

internal sealed record GapTravelRule(bool Estimate, string Text, double DetourFactor, double UrbanCentreKmh, double UrbanClusterKmh, double RuralKmh);

internal sealed record GapTotals(int Settlements, long? Population, int Regions, string Weighting);

/// <summary>The planner's headline per category: urban and rural side by side, and rural ÷ urban.</summary>
internal sealed record GapCategorySummary(
    string Category,
    string Label,
    string Mode,
    int Sites,
    int AreaServices,
    GapMetrics All,
    GapMetrics Urban,
    GapMetrics Rural,
    GapRatios RuralToUrban,
    string Headline,
    IReadOnlyList<GapSettlement> WorstServed);

/// <summary>One region × settlement class × category (<c>all</c> marks a rollup over every region or class).</summary>
internal sealed record GapGroup(
    string RegionCode,
    string? RegionName,
    string SettlementClass,
    string Category,
    GapMetrics Metrics,
    IReadOnlyList<GapSettlement> WorstServed);

/// <summary>
/// The figures of one group. Distances are metres on the WGS 84 ellipsoid from each settlement to its nearest in-person
/// site as the public sees it; "weight" is population (or 1 per settlement in a dataset without population).
/// Mean, median and p90 are population-weighted (where the people are); the <c>_settlements</c> median and p90 count
/// each settlement once (where the places are): a province whose typical village is far from help shows it there even
/// when one large town near a site dominates the weighted figures.
/// </summary>
internal sealed record GapMetrics(
    int Settlements,
    double Weight,
    long? Population,
    double? MeanDistanceM,
    double? MedianDistanceM,
    double? P90DistanceM,
    [property: JsonPropertyName("median_distance_m_settlements")] double? MedianDistanceMSettlements,
    [property: JsonPropertyName("p90_distance_m_settlements")] double? P90DistanceMSettlements,
    double? MaxDistanceM,
    IReadOnlyList<GapShare> Within,
    double? CoveredShare,
    double? ServedShare,
    int Services,
    [property: JsonPropertyName("services_per_100k")] double? ServicesPer100k,
    [property: JsonPropertyName("accessibility_per_100k")] double? AccessibilityPer100k,
    GapTravelTime? TravelMinutes,
    bool? Gap);

internal sealed record GapShare(double Km, double? Share);

/// <summary>Travel time in minutes: always an estimate from straight-line distance (see rules.travel_time).</summary>
internal sealed record GapTravelTime(bool Estimate, double? Mean, double? Median, double? P90);

/// <summary>Rural ÷ urban for each figure: above 1 means rural people are farther (distances) or better served (shares, rates).</summary>
internal sealed record GapRatios(
    double? MeanDistance,
    double? MedianDistance,
    double? P90Distance,
    double? MedianDistanceSettlements,
    double? P90DistanceSettlements,
    double? MaxDistance,
    IReadOnlyList<GapShare> Within,
    double? CoveredShare,
    double? ServedShare,
    [property: JsonPropertyName("services_per_100k")] double? ServicesPer100k,
    [property: JsonPropertyName("accessibility_per_100k")] double? AccessibilityPer100k,
    double? TravelMinutesMean);

internal sealed record GapSettlement(
    Guid DemandPointId,
    string Name,
    string? RegionCode,
    string SettlementClass,
    long? Population,
    double? DistanceM,
    bool Covered,
    double Latitude,
    double Longitude,
    [property: System.ComponentModel.Description("The class the dataset gave the settlement (village, hamlet, urban_centre, …), beside the derived settlement_class; absent when none was given.")] string? SourceClass = null,
    [property: JsonIgnore] long Seq = 0);

/// <summary>Query parameters of GET /api/gap_analyses.</summary>
internal sealed record GapAnalysisListQuery(
    [property: System.ComponentModel.Description("1-based page number.")][property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "page")] int? Page = null,
    [property: System.ComponentModel.Description("Items per page (default 20, capped at 100).")][property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "per_page")] int? PerPage = null,
    [property: System.ComponentModel.Description("Only analyses of this demand dataset.")][property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "dataset_id")] Guid? DatasetId = null);
