using System.ComponentModel.DataAnnotations;
using Referral.Api.Features.Gaps;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Placements;

/// <summary>Server-wide limits for placements (configuration section <c>Placements</c>).</summary>
internal sealed class PlacementSettings
{
    /// <summary>Placements over at most this many settlements + candidates are computed inside the POST.</summary>
    [Range(0, int.MaxValue)]
    public int InlineMaxWork { get; set; } = 20_000;

    /// <summary>At most this many candidate sites (a grid too fine for the area is refused, not silently thinned).</summary>
    [Range(1, 1_000_000)]
    public int MaxCandidates { get; set; } = 100_000;
}

/// <summary>
/// Validates a <see cref="PlacementRequest"/> into <see cref="PlacementOptions"/>. The fields a placement shares with the gap
/// analysis (thresholds, target, travel time, settlement classes, child profile) go through <see cref="GapOptionsParser"/>
/// so that they mean — and are checked — exactly the same; its errors keep their field names.
/// </summary>
internal static class PlacementOptionsParser
{
    public const int MaxK = 50;
    public const int DefaultK = 3;
    public const double DefaultCellKm = 5;
    public const double DefaultReachKm = 100;
    public const double DefaultTargetMinutes = 30;
    public const int MaxPoints = 10_000;
    public const int MaxRegions = 100;

    public static PlacementOptions Parse(PlacementRequest r, IReadOnlyCollection<string> knownCategories, GapSettings gapSettings, FieldErrors errors)
    {
        var gapErrors = new FieldErrors();
        var gap = GapOptionsParser.Parse(BeforeRequest(r, null), knownCategories, gapSettings, 0, gapErrors);
        // "categories" is checked below under this request's own field name.
        foreach (var (field, messages) in gapErrors.ToDictionary().Where(e => e.Key != "categories"))
        {
            foreach (var message in messages)
            {
                errors.Add(field, message);
            }
        }
        var category = r.Category?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(category))
        {
            errors.Add("category", "is required: the referral-category code of the new sites, e.g. police.");
        }
        else if (!knownCategories.Contains(category))
        {
            errors.Add("category", $"unknown category '{FieldErrors.Clip(r.Category!)}'; one of: {string.Join(", ", knownCategories.Order(StringComparer.Ordinal))}.");
        }
        else if (GapOptionsParser.DefaultAreaCategories.Contains(category))
        {
            errors.Add("category", $"'{category}' is served by area (phone, online), not from a site; placements are for in-person categories.");
        }
        var k = r.K ?? DefaultK;
        if (k is < 1 or > MaxK)
        {
            errors.Add("k", $"must be between 1 and {MaxK}.");
        }
        var objective = errors.OneOf("objective", r.Objective, PlacementVocabulary.Objectives, fallback: PlacementVocabulary.Coverage)!;
        double? minutes = null;
        if (r.TravelTime is not null)
        {
            minutes = r.TargetMinutes ?? DefaultTargetMinutes;
            if (!double.IsFinite(minutes.Value) || minutes <= 0 || minutes > 24 * 60)
            {
                errors.Add("target_minutes", "must be minutes above 0 and at most 1440.");
            }
        }
        else if (r.TargetMinutes is not null)
        {
            errors.Add("target_minutes", "needs travel_time (send \"travel_time\": {} for the default speeds).");
        }
        var source = errors.OneOf("candidates", r.Candidates, PlacementVocabulary.CandidateSources, fallback: PlacementVocabulary.Settlements)!;
        double? cell = null;
        if (source == PlacementVocabulary.Grid)
        {
            cell = r.CellKm ?? DefaultCellKm;
            if (!double.IsFinite(cell.Value) || cell < 0.5 || cell > 100)
            {
                errors.Add("cell_km", "must be a grid cell between 0.5 and 100 km.");
            }
        }
        else if (r.CellKm is not null)
        {
            errors.Add("cell_km", "applies only to candidates=grid.");
        }
        var points = Points(r, source, errors);
        var spacing = r.MinSpacingKm ?? 0;
        if (!double.IsFinite(spacing) || spacing < 0 || spacing > 1000)
        {
            errors.Add("min_spacing_km", "must be a distance between 0 and 1000 km.");
        }
        var reach = r.ReachKm ?? DefaultReachKm;
        if (!double.IsFinite(reach) || reach <= 0 || reach > 1000)
        {
            errors.Add("reach_km", "must be a distance above 0 and at most 1000 km.");
        }
        var regions = (r.WithinRegions ?? []).Select(c => (c ?? "").Trim()).Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        if (regions.Length > MaxRegions || regions.Any(c => c.Length > Limits.Code || c.Any(char.IsControl)))
        {
            errors.Add("within_regions", $"must list at most {MaxRegions} region codes (each at most {Limits.Code} characters).");
            regions = [];
        }
        return new PlacementOptions
        {
            Category = category ?? "",
            K = Math.Clamp(k, 1, MaxK),
            Objective = objective,
            TargetKm = gap.TargetKm,
            TargetMinutes = minutes,
            ThresholdsKm = gap.ThresholdsKm,
            Candidates = source,
            CellKm = cell,
            Points = points,
            MinSpacingKm = double.IsFinite(spacing) ? spacing : 0,
            WithinRegions = [.. regions.Order(StringComparer.Ordinal)],
            ReachKm = objective == PlacementVocabulary.Median && double.IsFinite(reach) ? reach : 0,
            TravelTime = gap.TravelTime,
            SettlementThresholds = new GapSettlementThresholds(gap.UrbanCentreMinPopulation, gap.UrbanClusterMinPopulation),
            Age = gap.Age,
            Language = gap.Language,
            Gender = gap.Gender,
        };
    }

    /// <summary>
    /// The gap analysis that gives a placement its "before": the same dataset, one category and the shared options, every
    /// other option at its default — so a planner's own analysis of that category is reused when it matches.
    /// </summary>
    public static GapAnalysisRequest BeforeRequest(PlacementRequest r, Guid? datasetId) => new()
    {
        DatasetId = datasetId ?? r.DatasetId,
        Dataset = datasetId is null ? r.Dataset : null,
        Categories = r.Category is { } c ? [c] : null,
        ThresholdsKm = r.ThresholdsKm,
        TargetKm = r.TargetKm,
        SettlementThresholds = r.SettlementThresholds,
        TravelTime = r.TravelTime,
        Age = r.Age,
        Language = r.Language,
        Gender = r.Gender,
    };

    /// <summary>The same request rebuilt from normalised options (the worker has only those).</summary>
    public static GapAnalysisRequest BeforeRequest(PlacementOptions o, Guid datasetId) => new()
    {
        DatasetId = datasetId,
        Categories = [o.Category],
        ThresholdsKm = o.ThresholdsKm,
        TargetKm = o.TargetKm,
        SettlementThresholds = o.SettlementThresholds,
        TravelTime = o.TravelTime is { } t ? new GapTravelRequest(t.DetourFactor, new GapSpeeds(t.UrbanCentreKmh, t.UrbanClusterKmh, t.RuralKmh)) : null,
        Age = o.Age,
        Language = o.Language,
        Gender = o.Gender,
    };

    private static PlacementPoint[]? Points(PlacementRequest r, string source, FieldErrors errors)
    {
        if (source != PlacementVocabulary.Points)
        {
            if (r.Points is not null)
            {
                errors.Add("points", "applies only to candidates=points.");
            }
            return null;
        }
        if (r.Points is not { Length: > 0 and <= MaxPoints } list)
        {
            errors.Add("points", $"candidates=points needs 1 to {MaxPoints:N0} points ({{\"name\", \"latitude\", \"longitude\"}}).");
            return null;
        }
        var result = new PlacementPoint[list.Length];
        for (var i = 0; i < list.Length; i++)
        {
            var p = list[i];
            if (p?.Latitude is not { } lat || p.Longitude is not { } lng || !double.IsFinite(lat) || !double.IsFinite(lng) || lat is < -90 or > 90 || lng is < -180 or > 180)
            {
                errors.Add($"points[{i}]", "needs latitude (−90…90) and longitude (−180…180).");
                continue;
            }
            var name = errors.Text($"points[{i}].name", p.Name, Limits.Short) ?? $"point {i + 1}";
            result[i] = new PlacementPoint(name, Math.Round(lat, 7), Math.Round(lng, 7));
        }
        return result;
    }
}
