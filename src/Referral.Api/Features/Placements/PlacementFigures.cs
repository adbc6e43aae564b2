using Referral.Api.Features.Gaps;

namespace Referral.Api.Features.Placements;

/// <summary>
/// The settlements of a placement with what the figures need: weight (population, or 1 each without population),
/// population, DEGURBA class as the gap analysis assigned it, distance in metres to the nearest site (NaN: none), and
/// estimated minutes per metre (travel-time option; 0 without it).
/// </summary>
internal sealed record PlacementSettlements(double[] Weight, long?[] Population, string[] Class, double[] MinutesPerMetre)
{
    public int Count => Weight.Length;
}

/// <summary>
/// Urban and rural figures with the gap analysis's definitions (GapAggregator): population-weighted mean over the
/// settlements that have a site; weighted median = the smallest distance within which at least half of the group's
/// weight lives (settlements without a site count in the weight and sort last); shares within X km include X;
/// urban = urban centres + towns; ratios rural ÷ urban rounded to 3 decimals.
/// </summary>
internal static class PlacementFigures
{
    public static PlacementSide Side(PlacementSettlements s, double[] distanceM, double[] thresholdsKm, double targetKm, double? targetMinutes)
    {
        var urban = Metrics(s, distanceM, thresholdsKm, targetKm, targetMinutes, GapClasses.IsUrban);
        var rural = Metrics(s, distanceM, thresholdsKm, targetKm, targetMinutes, c => c == GapClasses.Rural);
        return new PlacementSide(Metrics(s, distanceM, thresholdsKm, targetKm, targetMinutes, _ => true), urban, rural, Ratios(urban, rural));
    }

    public static PlacementMetrics Metrics(
        PlacementSettlements s, double[] distanceM, double[] thresholdsKm, double targetKm, double? targetMinutes, Func<string, bool> member)
    {
        var travel = targetMinutes is not null;
        var (count, weight, withDistance, weighted, served, weightedMinutes) = (0, 0.0, 0.0, 0.0, 0.0, 0.0);
        long population = 0;
        var hasPopulation = false;
        var within = new double[thresholdsKm.Length];
        var rows = new List<int>();
        for (var i = 0; i < s.Count; i++)
        {
            if (!member(s.Class[i]))
            {
                continue;
            }
            rows.Add(i);
            count++;
            var w = s.Weight[i];
            weight += w;
            if (s.Population[i] is { } p)
            {
                (population, hasPopulation) = (population + p, true);
            }
            var d = distanceM[i];
            if (double.IsNaN(d))
            {
                continue;
            }
            withDistance += w;
            weighted += w * d;
            weightedMinutes += w * d * s.MinutesPerMetre[i];
            for (var t = 0; t < thresholdsKm.Length; t++)
            {
                within[t] += d <= thresholdsKm[t] * 1000 ? w : 0;
            }
            var isServed = travel ? d * s.MinutesPerMetre[i] <= targetMinutes!.Value : d <= targetKm * 1000;
            served += isServed ? w : 0;
        }
        double? Share(double x) => weight > 0 ? Math.Round(x / weight, 4) : null;
        return new PlacementMetrics(
            count,
            weight,
            hasPopulation ? population : null,
            withDistance > 0 ? Math.Round(weighted / withDistance, 1) : null,
            Round(Median(rows, s.Weight, distanceM, weight), 1),
            [.. thresholdsKm.Select((t, i) => new GapShare(t, Share(within[i])))],
            Share(served),
            travel && withDistance > 0 ? Math.Round(weightedMinutes / withDistance, 1) : null,
            travel ? Round(Median(rows, s.Weight, [.. distanceM.Select((d, i) => d * s.MinutesPerMetre[i])], weight), 1) : null);
    }

    /// <summary>Weighted median as the gap analysis computes it: the inverse of the weighted distribution, no interpolation.</summary>
    internal static double? Median(List<int> rows, double[] weight, double[] values, double total)
    {
        if (total <= 0 || rows.Count == 0)
        {
            return null;
        }
        var keys = rows.Select(i => double.IsNaN(values[i]) ? double.PositiveInfinity : values[i]).ToArray();
        var order = rows.ToArray();
        Array.Sort(keys, order);
        var cumulative = 0.0;
        foreach (var i in order)
        {
            cumulative += weight[i];
            if (cumulative >= 0.5 * total)
            {
                return double.IsNaN(values[i]) ? null : values[i];
            }
        }
        return null;
    }

    public static PlacementRatios Ratios(PlacementMetrics urban, PlacementMetrics rural) => new(
        GapAggregator.Ratio(rural.MeanDistanceM, urban.MeanDistanceM),
        GapAggregator.Ratio(rural.MedianDistanceM, urban.MedianDistanceM),
        [.. rural.Within.Zip(urban.Within, (r, u) => new GapShare(r.Km, GapAggregator.Ratio(r.Share, u.Share)))],
        GapAggregator.Ratio(rural.ServedShare, urban.ServedShare),
        GapAggregator.Ratio(rural.TravelMinutesMean, urban.TravelMinutesMean));

    private static double? Round(double? value, int digits) => value is { } v ? Math.Round(v, digits) : null;
}
