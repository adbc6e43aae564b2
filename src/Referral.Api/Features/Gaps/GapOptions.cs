using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// Server-wide defaults and limits for gap analyses (configuration section <c>Gaps</c>); every analysis option can also
/// be set per request. The defaults are the ones the issue asks for and are documented in the README ("Where is help missing? Gap analysis").
/// </summary>
internal sealed class GapSettings
{
    /// <summary>Population at or above which an unclassified settlement is an urban centre (DEGURBA: 50,000).</summary>
    [Range(1, long.MaxValue)]
    public long UrbanCentreMinPopulation { get; set; } = 50_000;

    /// <summary>Population at or above which an unclassified settlement is a town / urban cluster (DEGURBA: 5,000).</summary>
    [Range(1, long.MaxValue)]
    public long UrbanClusterMinPopulation { get; set; } = 5_000;

    /// <summary>Analyses of at most this many settlement × category pairs are computed inside the POST and answered at once.</summary>
    [Range(0, int.MaxValue)]
    public int InlineMaxWork { get; set; } = 20_000;

    /// <summary>Database connections one analysis uses in parallel (0 = one per processor, at most 8).</summary>
    [Range(0, 64)]
    public int Workers { get; set; }

    /// <summary>Settlements per unit of parallel work.</summary>
    [Range(100, 1_000_000)]
    public int ChunkSize { get; set; } = 10_000;

    /// <summary>
    /// Above this many settlements the 2SFCA step aggregates demand and supply to a grid of <see cref="FcaCellKm"/> (unless
    /// the request sets <c>fca_cell_km</c>): exact pairs grow with settlements × services and stop being affordable.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int ExactFcaMaxSettlements { get; set; } = 20_000;

    [Range(0.1, 50)]
    public double FcaCellKm { get; set; } = 1;

    /// <summary>
    /// Analyses one owner (organization, or key without one) may have queued or running at once; one more start answers
    /// 429 <c>TOO_MANY_ANALYSES</c>. Each analysis already uses several connections, so a few at once slow everyone.
    /// </summary>
    [Range(1, 100)]
    public int MaxActivePerOwner { get; set; } = 2;

    /// <summary>Largest demand dataset upload over HTTP, in MiB (413 <c>PAYLOAD_TOO_LARGE</c> above); a million settlements as CSV is about 60 MiB.</summary>
    [Range(1, 4096)]
    public int DemandUploadMaxMiB { get; set; } = 64;

    public long DemandUploadMaxBytes => DemandUploadMaxMiB * 1024L * 1024;

    public int EffectiveWorkers => Workers > 0 ? Workers : Math.Clamp(Environment.ProcessorCount, 1, 8);
}

/// <summary>Travel-time estimate settings: straight-line distance × detour factor ÷ speed of the settlement's class.</summary>
internal sealed record GapTravelOptions(double DetourFactor, double UrbanCentreKmh, double UrbanClusterKmh, double RuralKmh)
{
    public static readonly GapTravelOptions Default = new(1.3, 20, 30, 40);

    /// <summary>The speed used for a class; settlements without a class use the rural speed.</summary>
    public double SpeedKmh(string settlementClass) => settlementClass switch
    {
        GapClasses.UrbanCentre => UrbanCentreKmh,
        GapClasses.UrbanCluster => UrbanClusterKmh,
        _ => RuralKmh,
    };
}

/// <summary>
/// The normalised options of one analysis: what the results depend on besides the data, so it is part of the input hash.
/// Distances are in kilometres here (what planners type) and in metres in every result.
/// </summary>
internal sealed record GapOptions
{
    public required string[] Categories { get; init; }
    public required double[] ThresholdsKm { get; init; }
    public required string[] AreaCategories { get; init; }
    public double CatchmentKm { get; init; }

    /// <summary><c>none</c> (classic 2SFCA), <c>gaussian</c> or <c>e2sfca</c> (stepped 1 / 0.68 / 0.22).</summary>
    public required string Decay { get; init; }

    /// <summary>Grid cell of the 2SFCA step in km; 0 means exact (every settlement and every site on its own).</summary>
    public double FcaCellKm { get; init; }

    public double TargetKm { get; init; }
    public double TargetShare { get; init; }
    public int WorstN { get; init; }
    public int? RegionLevel { get; init; }
    public long UrbanCentreMinPopulation { get; init; }
    public long UrbanClusterMinPopulation { get; init; }
    public GapTravelOptions? TravelTime { get; init; }

    /// <summary>Optional child profile: only services open to this age, language and gender count.</summary>
    public int? Age { get; init; }

    public string? Language { get; init; }
    public string? Gender { get; init; }

    /// <summary>Nearest sites only in the settlement's own country (a child is referred within its country's system).</summary>
    public bool SameCountry { get; init; } = true;

    public bool IsArea(string category) => AreaCategories.Contains(category);
}

internal static class GapClasses
{
    public const string UrbanCentre = "urban_centre";
    public const string UrbanCluster = "urban_cluster";
    public const string Rural = "rural";
    public const string Unclassified = "unclassified";

    /// <summary>The classes results are split by, in display order.</summary>
    public static readonly string[] All = [UrbanCentre, UrbanCluster, Rural, Unclassified];

    /// <summary>The rollup key for "every region" and "every class".</summary>
    public const string Any = "all";

    /// <summary>Settlements that are in no known region.</summary>
    public const string Unassigned = "unassigned";

    /// <summary>The urban side of the urban/rural summary: urban centres and towns (urban clusters), as in DEGURBA.</summary>
    public static bool IsUrban(string settlementClass) => settlementClass is UrbanCentre or UrbanCluster;

    /// <summary>Given classes map onto the three DEGURBA classes: city → urban centre, town → urban cluster, village/hamlet → rural.</summary>
    public static string? FromGiven(string? given) => given switch
    {
        "urban_centre" or "city" => UrbanCentre,
        "urban_cluster" or "town" => UrbanCluster,
        "rural" or "village" or "hamlet" => Rural,
        _ => null,
    };
}

/// <summary>POST /api/gap_analyses (and the GraphQL <c>startGapAnalysis</c> input): every field optional except the dataset.</summary>
internal sealed record GapAnalysisRequest
{
    [property: System.ComponentModel.Description("The demand dataset's id (or give its name in `dataset`).")]
    public Guid? DatasetId { get; init; }

    [property: System.ComponentModel.Description("The demand dataset's name, e.g. \"demo: Costa Rica towns (GeoNames)\".")]
    public string? Dataset { get; init; }

    [property: System.ComponentModel.Description("referral-category codes; default: all of them.")]
    public string[]? Categories { get; init; }

    [property: System.ComponentModel.Description("Distance thresholds in km for the 'share within' figures; default 5, 10, 25, 50.")]
    public double[]? ThresholdsKm { get; init; }

    [property: System.ComponentModel.Description("2SFCA catchment in km; default 30.")]
    public double? CatchmentKm { get; init; }

    [property: System.ComponentModel.Description("2SFCA distance decay: none (default), gaussian or e2sfca.")]
    public string? Decay { get; init; }

    [property: System.ComponentModel.Description("2SFCA grid cell in km (0 = exact); default exact up to 20,000 settlements, else 1 km.")]
    public double? FcaCellKm { get; init; }

    [property: System.ComponentModel.Description("Categories served by area (helplines, online reporting): their coverage counts as service.")]
    public string[]? AreaCategories { get; init; }

    [property: System.ComponentModel.Description("Gap rule: a group has a gap when less than target_share of its people are served within target_km; default 25 km.")]
    public double? TargetKm { get; init; }

    [property: System.ComponentModel.Description("Gap rule share, 0–1; default 0.8.")]
    public double? TargetShare { get; init; }

    [property: System.ComponentModel.Description("How many worst-served settlements each group lists; default 5.")]
    public int? WorstN { get; init; }

    [property: System.ComponentModel.Description("Group by regions of this level (0 country, 1 province, …); default: the settlement's own region code, else the deepest region outline that covers it.")]
    public int? RegionLevel { get; init; }

    public GapSettlementThresholds? SettlementThresholds { get; init; }

    [property: System.ComponentModel.Description("Add a travel-time estimate (straight line × detour ÷ class speed); send {} for the defaults.")]
    public GapTravelRequest? TravelTime { get; init; }

    public int? Age { get; init; }
    public string? Language { get; init; }
    public string? Gender { get; init; }

    [property: System.ComponentModel.Description("Measure each settlement to sites in its own country only (default true): the country outline its point is in, else its region code's country. false: the nearest site anywhere.")]
    public bool? SameCountry { get; init; }

    [property: System.ComponentModel.Description("Run in the background even when the analysis is small (202 + Location).")]
    public bool? Background { get; init; }

    [property: System.ComponentModel.Description("Recompute even when results for the same inputs exist.")]
    public bool? Force { get; init; }
}

internal sealed record GapSettlementThresholds(long? UrbanCentre = null, long? UrbanCluster = null);

internal sealed record GapTravelRequest(double? DetourFactor = null, GapSpeeds? SpeedKmh = null);

internal sealed record GapSpeeds(double? UrbanCentre = null, double? UrbanCluster = null, double? Rural = null);

/// <summary>Validates a <see cref="GapAnalysisRequest"/> into <see cref="GapOptions"/>; each problem is a field error.</summary>
internal static partial class GapOptionsParser
{
    public static readonly double[] DefaultThresholdsKm = [5, 10, 25, 50];
    public static readonly string[] DefaultAreaCategories = ["helpline", "online_reporting"];
    public const double DefaultCatchmentKm = 30;
    public const double DefaultTargetKm = 25;
    public const double DefaultTargetShare = 0.8;
    public const int DefaultWorstN = 5;
    public const int MaxThresholds = 10;
    public const int MaxWorstN = 100;
    public const double MaxDistanceKm = 20_000;
    public static readonly string[] Decays = ["none", "gaussian", "e2sfca"];

    public static GapOptions Parse(GapAnalysisRequest r, IReadOnlyCollection<string> knownCategories, GapSettings settings, int settlements, FieldErrors errors)
    {
        var categories = Categories("categories", r.Categories, knownCategories, errors) ?? [.. knownCategories.Order(StringComparer.Ordinal)];
        if (categories.Length == 0)
        {
            errors.Add("categories", "must name at least one category.");
        }
        var areas = r.AreaCategories is null
            ? [.. DefaultAreaCategories.Where(knownCategories.Contains)]
            : Categories("area_categories", r.AreaCategories, knownCategories, errors) ?? [];

        var thresholds = (r.ThresholdsKm ?? DefaultThresholdsKm).ToArray();
        if (thresholds.Length is 0 or > MaxThresholds)
        {
            errors.Add("thresholds_km", $"must list 1 to {MaxThresholds} distances.");
        }
        else if (thresholds.Any(t => !double.IsFinite(t) || t <= 0 || t > MaxDistanceKm))
        {
            errors.Add("thresholds_km", $"must be distances in km above 0 and at most {MaxDistanceKm:0}.");
        }
        thresholds = [.. thresholds.Where(double.IsFinite).Distinct().Order()];

        var catchment = Distance("catchment_km", r.CatchmentKm ?? DefaultCatchmentKm, errors, max: 1000);
        var targetKm = Distance("target_km", r.TargetKm ?? DefaultTargetKm, errors, max: MaxDistanceKm);
        var targetShare = r.TargetShare ?? DefaultTargetShare;
        if (!double.IsFinite(targetShare) || targetShare is < 0 or > 1)
        {
            errors.Add("target_share", "must be a share between 0 and 1, e.g. 0.8.");
        }
        var decay = errors.OneOf("decay", r.Decay, Decays, fallback: "none")!;
        var cell = r.FcaCellKm ?? (settlements <= settings.ExactFcaMaxSettlements ? 0 : settings.FcaCellKm);
        if (!double.IsFinite(cell) || cell < 0 || (cell > 0 && cell < 0.1) || cell > 50)
        {
            errors.Add("fca_cell_km", "must be 0 (exact) or a cell size between 0.1 and 50 km.");
        }
        var worst = r.WorstN ?? DefaultWorstN;
        if (worst is < 0 or > MaxWorstN)
        {
            errors.Add("worst_n", $"must be between 0 and {MaxWorstN}.");
        }
        if (r.RegionLevel is < 0 or > 10)
        {
            errors.Add("region_level", "must be between 0 and 10.");
        }
        var urbanCentre = r.SettlementThresholds?.UrbanCentre ?? settings.UrbanCentreMinPopulation;
        var urbanCluster = r.SettlementThresholds?.UrbanCluster ?? settings.UrbanClusterMinPopulation;
        if (urbanCluster < 1 || urbanCentre <= urbanCluster)
        {
            errors.Add("settlement_thresholds", "needs 1 ≤ urban_cluster < urban_centre (minimum populations).");
        }
        if (r.Age is < 0 or > 120)
        {
            errors.Add("age", "must be between 0 and 120.");
        }
        var language = r.Language?.Trim().ToLowerInvariant();
        if (language is not null && (language.Length is < 2 or > 3 || !language.All(char.IsAsciiLetterLower)))
        {
            errors.Add("language", "must be an ISO 639-1 or 639-3 code such as 'es' or 'en'.");
        }
        return new GapOptions
        {
            Categories = categories,
            AreaCategories = [.. areas.Where(categories.Contains)],
            ThresholdsKm = thresholds,
            CatchmentKm = catchment,
            Decay = decay,
            FcaCellKm = double.IsFinite(cell) ? cell : 0,
            TargetKm = targetKm,
            TargetShare = targetShare,
            WorstN = Math.Clamp(worst, 0, MaxWorstN),
            RegionLevel = r.RegionLevel,
            UrbanCentreMinPopulation = urbanCentre,
            UrbanClusterMinPopulation = urbanCluster,
            TravelTime = r.TravelTime is null ? null : Travel(r.TravelTime, errors),
            Age = r.Age,
            Language = string.IsNullOrEmpty(language) ? null : language,
            Gender = errors.OneOf("gender", r.Gender, Vocabulary.Genders),
            SameCountry = r.SameCountry ?? true,
        };
    }

    private static string[]? Categories(string field, string[]? values, IReadOnlyCollection<string> known, FieldErrors errors)
    {
        if (values is null)
        {
            return null;
        }
        var result = new List<string>();
        foreach (var raw in values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var code = raw.ToLowerInvariant();
            if (!known.Contains(code))
            {
                errors.Add(field, $"unknown category '{FieldErrors.Clip(raw)}'; one of: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
            }
            else if (!result.Contains(code))
            {
                result.Add(code);
            }
        }
        return [.. result];
    }

    private static double Distance(string field, double value, FieldErrors errors, double max)
    {
        if (!double.IsFinite(value) || value <= 0 || value > max)
        {
            errors.Add(field, $"must be a distance in km above 0 and at most {max:0}.");
            return 1;
        }
        return value;
    }

    private static GapTravelOptions Travel(GapTravelRequest t, FieldErrors errors)
    {
        var d = GapTravelOptions.Default;
        var result = new GapTravelOptions(
            t.DetourFactor ?? d.DetourFactor,
            t.SpeedKmh?.UrbanCentre ?? d.UrbanCentreKmh,
            t.SpeedKmh?.UrbanCluster ?? d.UrbanClusterKmh,
            t.SpeedKmh?.Rural ?? d.RuralKmh);
        if (!double.IsFinite(result.DetourFactor) || result.DetourFactor is < 1 or > 5)
        {
            errors.Add("travel_time.detour_factor", "must be between 1 and 5 (straight line = 1; roads are typically 1.2–1.5).");
        }
        if (new[] { result.UrbanCentreKmh, result.UrbanClusterKmh, result.RuralKmh }.Any(s => !double.IsFinite(s) || s is <= 0 or > 200))
        {
            errors.Add("travel_time.speed_kmh", "speeds must be above 0 and at most 200 km/h.");
        }
        return result;
    }

    /// <summary>Region codes as the directory writes them: upper case letters, digits, '-', '_', '.'.</summary>
    public static bool IsRegionCode(string code) => RegionCodePattern().IsMatch(code);

    [GeneratedRegex(@"^[A-Z0-9][A-Z0-9_.\-]{0,63}$")]
    private static partial Regex RegionCodePattern();
}
