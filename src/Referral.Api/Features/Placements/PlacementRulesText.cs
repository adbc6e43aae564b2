using System.Text;
using Referral.Api.Features.Gaps;
using static Referral.Api.Features.Placements.PlacementText;

namespace Referral.Api.Features.Placements;

/// <summary>The rules of a placement in words, stored with its results: which guarantee holds, and how everything was measured.</summary>
internal static class PlacementRulesText
{
    public static PlacementRules For(PlacementOptions o, GapAnalysisDocument gap, PlacementTotals totals)
    {
        var travel = o.TravelTime is not null;
        var target = travel ? I($"{o.TargetMinutes:0.##} estimated minutes") : I($"{o.TargetKm:0.##} km");
        var weight = totals.Weighting == "population" ? "people (population)" : "settlements (the dataset has no population)";
        var objective = o.Objective == PlacementVocabulary.Median
            ? I($"p-median: up to {o.K} new sites of '{o.Category}' that most reduce the {(travel ? "population-weighted estimated travel time" : "population-weighted distance")} to the nearest site of the category. A site's gain is the {(travel ? "person-minutes" : "person-km")} it saves given the sites picked before it. A settlement with no site of the category today counts as {o.ReachKm:0.##} km away; new sites are weighed only for settlements within {o.ReachKm:0.##} km (reach_km), but the 'after' figures use the exact distance from every settlement to the chosen sites.")
            : I($"Maximal coverage: up to {o.K} new sites of '{o.Category}' that bring the most {weight} within {target} of a site of the category who are not within it today. A site's gain is the weight it newly covers given the sites picked before it (the boundary counts as within, as in the gap analysis's shares).");
        var spacing = o.MinSpacingKm > 0;
        var guarantee = o.Objective == PlacementVocabulary.Median
            ? "Greedy (largest saving first), then Teitz–Bart interchange (1968): swap a chosen site for a candidate while that lowers the weighted cost, until no single swap does. " +
              (spacing
                  ? "With a minimum spacing no approximation bound holds (the spacing is not a matroid constraint); the result is a local optimum among the allowed sets. "
                  : "The saving is a monotone submodular function of the new sites, so the greedy saving is at least (1 − 1/e) ≈ 63.2% of the best possible with the same number of sites (Nemhauser, Wolsey & Fisher 1978), and the interchange only improves on it. The result is a local optimum under single swaps, not a proven global optimum. ")
              + I($"Greedy saving {totals.GreedyValue:N1}, after {totals.Swaps} swap(s) {totals.Value:N1}.")
            : "Greedy with lazy evaluation (Minoux 1978): each pick is the candidate that newly covers the most, ties to the first candidate in order. " +
              (spacing
                  ? "With a minimum spacing the pick is the best candidate still allowed; the (1 − 1/e) bound does not hold under that constraint (it is not a matroid), so the result is a good answer without a proven bound."
                  : "Coverage is a monotone submodular function of the new sites, so the sites cover at least (1 − 1/e) ≈ 63.2% of what the best possible set of the same size would (Nemhauser, Wolsey & Fisher 1978); restricting candidates to regions keeps the bound.");
        if (totals.StoppedEarly)
        {
            guarantee += I($" Only {totals.Chosen} of the {o.K} sites asked for add anything: no other candidate {(o.Objective == PlacementVocabulary.Median ? "saves any distance" : "covers anyone new")}.");
        }
        var distance = "Before: as the gap analysis " + gap.Id + " measured it. " + gap.Results!.Rules.Distance +
            " New sites: metres on the WGS 84 ellipsoid from the candidate's exact point to each settlement (PostGIS ST_Distance on geography), rounded to 0.1 m like the gap analysis's distances, so a candidate standing on an existing public site adds nothing.";
        var candidates = o.Candidates switch
        {
            PlacementVocabulary.Grid => I($"Cell centres of a ≈{o.CellKm:0.##} km grid over the dataset's extent (rows {o.CellKm:0.##} km apart, cells {o.CellKm:0.##} km wide at their latitude), kept when within reach of a settlement that a site could help"),
            PlacementVocabulary.Points => I($"The {o.Points!.Length:N0} points given with the request"),
            _ => "Every settlement of the dataset",
        };
        candidates += I($": {totals.Candidates:N0} candidates, {totals.CandidatesReaching:N0} of them helping someone ({totals.Pairs:N0} candidate × settlement pairs within reach).");
        var constraints = new StringBuilder(I($"k = {o.K}."));
        constraints.Append(spacing ? I($" New sites at least {o.MinSpacingKm:0.##} km apart (ellipsoidal).") : " No minimum spacing.");
        constraints.Append(o.WithinRegions.Length > 0
            ? $" Only candidates inside {string.Join(", ", o.WithinRegions)} (a settlement by its region or a parent region; any point by a region outline that covers it)."
            : " Candidates anywhere.");
        constraints.Append(" Existing sites count as they are, exactly as in the gap analysis.");
        var figures = "The gap analysis's definitions: population-weighted mean distance over settlements with a site; weighted median = the smallest distance within which at least half of the group's weight lives; shares within X km include X; " +
            $"served = within {target}; urban = urban_centre + urban_cluster, rural = rural (the gap analysis's classes); ratios rural ÷ urban. " +
            "'Before' is today; 'after' adds the chosen sites; each site's 'after' figures are those once it and the sites before it are open.";
        return new PlacementRules(objective, guarantee, distance, candidates, constraints.ToString(), figures, gap.Results.Rules.TravelTime);
    }

    public static string Headline(PlacementOptions o, GapAnalysisDocument gap, IReadOnlyList<PlacementSite> sites, PlacementSide before, PlacementSide after)
    {
        var label = gap.Results!.Summary.Count > 0 ? gap.Results.Summary[0].Label : o.Category;
        if (sites.Count == 0)
        {
            return I($"{label}: no candidate adds anything — every settlement a candidate could reach is already as well served.");
        }
        var target = o.TravelTime is not null ? I($"{o.TargetMinutes:0.#} min") : I($"{o.TargetKm:0.#} km");
        var sb = new StringBuilder(I($"{label}: {sites.Count} new site{(sites.Count == 1 ? "" : "s")} ({string.Join(", ", sites.Select(x => x.Name))})"));
        sb.Append(I($": within {target}, rural {Percent(before.Rural.ServedShare)} → {Percent(after.Rural.ServedShare)}, urban {Percent(before.Urban.ServedShare)} → {Percent(after.Urban.ServedShare)}"));
        sb.Append(I($"; mean distance rural {Km(before.Rural.MeanDistanceM)} → {Km(after.Rural.MeanDistanceM)}, urban {Km(before.Urban.MeanDistanceM)} → {Km(after.Urban.MeanDistanceM)}"));
        if (before.RuralToUrban.MeanDistance is { } rb && after.RuralToUrban.MeanDistance is { } ra)
        {
            sb.Append(I($"; rural ÷ urban {rb:0.0}× → {ra:0.0}×"));
        }
        return sb.Append('.').ToString();
    }
}
