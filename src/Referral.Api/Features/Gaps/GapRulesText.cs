namespace Referral.Api.Features.Gaps;

/// <summary>The rules of an analysis in words, stored with its results: a figure should never travel without its method.</summary>
internal static class GapRulesText
{
    public static GapRules For(GapPlan plan, IReadOnlyDictionary<string, int> classCounts)
    {
        var o = plan.Options;
        var classText = I($"A settlement's given class is used when present (city → urban_centre, town → urban_cluster, village or hamlet → rural); otherwise it follows from its population: ≥ {o.UrbanCentreMinPopulation:N0} urban_centre, {o.UrbanClusterMinPopulation:N0}–{o.UrbanCentreMinPopulation - 1:N0} urban_cluster (town), < {o.UrbanClusterMinPopulation:N0} rural (DEGURBA-style thresholds applied to settlement points, not to 1 km² grid cells); without either it is unclassified.");
        var fcaText = I($"Two-step floating catchment area (Luo & Wang 2003): R_j = S_j / Σ P_k·W(d_kj) over settlements within {o.CatchmentKm:0.##} km of site j; A_i = Σ R_j·W(d_ij) over sites within {o.CatchmentKm:0.##} km of settlement i; reported as sites per 100,000 people within reach, population-weighted over each group. W: {DecayText(o.Decay)}. ")
            + (o.FcaCellKm > 0
                ? I($"Settlements and sites are first summed into ≈{o.FcaCellKm:0.##} km grid cells (at their weighted centres) and measured on the sphere.")
                : "Every settlement and site is used on its own, with ellipsoidal distances.")
            + (plan.ByPopulation ? "" : " Not computed: the dataset has no population.");
        return new GapRules(
            Distance: "Metres on the WGS 84 ellipsoid from each settlement to the nearest active in-person site of the category: a physical location " +
                "of an active, eligible service that delivers in person or by outreach (or states no delivery mode). Sites are measured as the public " +
                "sees them: approximate locations from their generalised point, rounded to 500 m; hidden locations not at all (they count only through " +
                "their service areas). Nearest candidates come from the spatial index and are re-ranked on the ellipsoid.",
            SettlementClass: new GapClassRule(classText, o.UrbanCentreMinPopulation, o.UrbanClusterMinPopulation,
                classCounts.GetValueOrDefault("given"), classCounts.GetValueOrDefault("derived"), classCounts.GetValueOrDefault("none")),
            Region: (o.RegionLevel is { } level
                    ? I($"Regions of level {level}: the settlement's region_code mapped up to that level, else the level-{level} region outline that covers it. ")
                    : "The settlement's region_code when given (in the directory's scheme when it knows the code), else the most detailed region outline that covers it. ") +
                I($"Codes are read as the directory's own, ISO 3166-1 alpha-3 (KEN → KE), ISO 3166-2 (CR-SJ) or GeoNames admin-1 keys (CR.08 → CR-SJ); a country outline counts within {Regions.RegionCodes.CoastalToleranceKm:0.#} km of its coast. ") +
                "Settlements in no region are grouped as 'unassigned'. Only regions with settlements are listed." + CodeCounts(plan.RegionCodeReport),
            Weighting: plan.ByPopulation
                ? "Population: every figure is population-weighted; settlements with population 0 count as places but weigh nothing."
                : "Settlements: the dataset has no population, so each settlement counts once; per-person figures (services per 100,000, 2SFCA) are not computed.",
            Percentiles: "median_distance_m and p90_distance_m are population-weighted: the smallest distance within which at least 50% (90%) of the group's weight lives. " +
                "median_distance_m_settlements and p90_distance_m_settlements count each settlement once, whatever its population: linear interpolation between " +
                "the closest ranks (type 7, as R and NumPy), so the median of an even count is the mean of the two middle values; settlements without any site " +
                "sort last, and a percentile that reaches them has no value. Shares 'within X km' include settlements at exactly X km.",
            ServicesPer100k: I(
                $"In-person services (service-at-locations) of the category counted in the region and class of their nearest settlement within {o.CatchmentKm:0.##} km, per 100,000 people of the group."),
            TwoStepFca: new GapFcaRule(fcaText, o.CatchmentKm, o.Decay, o.FcaCellKm,
                "1 per service at a site (the directory records no capacities), so a site with three services counts 3."),
            Gap: I($"A group has a gap when less than {o.TargetShare:P0} of its weight is served: within {o.TargetKm:0.##} km of an in-person site, or for area-served categories ({(o.AreaCategories.Length == 0 ? "none" : string.Join(", ", o.AreaCategories))}) also inside a service area (by outline, or by region code including parent regions)."),
            WorstServed: I(
                $"Up to {o.WorstN} settlements per group: for area-served categories those outside every service area first; then the farthest from an in-person site (none at all first); then the most populous."),
            UrbanRural: "Urban = urban_centre + urban_cluster (DEGURBA cities and towns); rural = rural. Ratios are rural ÷ urban: above 1 means rural people are " +
                "farther (distances, minutes) or better served (shares, rates).",
            TravelTime: o.TravelTime is { } t
                ? new GapTravelRule(true, I($"Estimate, not a network travel time: straight-line distance × {t.DetourFactor:0.##} ÷ speed of the settlement's class (urban_centre {t.UrbanCentreKmh:0.#} km/h, urban_cluster {t.UrbanClusterKmh:0.#} km/h, rural and unclassified {t.RuralKmh:0.#} km/h)."),
                    t.DetourFactor, t.UrbanCentreKmh, t.UrbanClusterKmh, t.RuralKmh)
                : null,
            Coverage: I($"A service area covers a settlement when its outline covers the settlement's point, or when one of its region codes is a region the settlement is in: a region whose outline covers the point (a country outline within {Regions.RegionCodes.CoastalToleranceKm:0.#} km of its coast), a region the directory knows under the settlement's region_code (in any scheme above), or a parent of either. A region_code the directory does not know counts for nothing; the point still does."),
            Borders: GapTexts.EnglishBorders(o.SameCountry));
    }

    private static string CodeCounts(Regions.RegionCodeReport r) =>
        r.Mapped == 0 && r.Unknown == 0 ? ""
        : I($" Of the settlements' region codes, {r.Known:N0} are the directory's own, {r.Mapped:N0} were mapped") +
          (r.MappedExamples.Count > 0 ? $" ({string.Join(", ", r.MappedExamples)})" : "") +
          I($", {r.Unknown:N0} are unknown") + (r.UnknownExamples.Count > 0 ? $" (e.g. {string.Join(", ", r.UnknownExamples)})" : "") + ".";

    private static string I(FormattableString text) => FormattableString.Invariant(text);

    private static string DecayText(string decay) => decay switch
    {
        "gaussian" => "Gaussian, W(d) = (e^(-½(d/d0)²) − e^(-½)) / (1 − e^(-½)) (Dai 2010)",
        "e2sfca" => "E2SFCA steps, 1 / 0.68 / 0.22 in the inner, middle and outer third of the catchment (Luo & Qi 2009)",
        _ => "1 within the catchment (classic 2SFCA)",
    };
}
