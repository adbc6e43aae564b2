using System.Globalization;
using Npgsql;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// Turns the per-settlement rows of an analysis into its figures: the rows are read once into memory, every settlement ×
/// category row adds to the groups it belongs to (its region and class, its region overall, its class everywhere,
/// everything, and the urban side of each), and one sort by distance per category gives every group's
/// population-weighted percentiles through running sums; the worst-served settlements come from a bounded heap per
/// group, and only their names and points are read back.
/// </summary>
internal static class GapAggregator
{
    private sealed record Raw(
        int Settlements, double Weight, long? Population, double? Mean, double? Median, double? P90, double? Max,
        double[] WithinWeight, double CoveredWeight, double ServedWeight, double AccessWeighted,
        double? SettlementMedian = null, double? SettlementP90 = null);

    private readonly record struct Key(string Region, string Class, int K);

    private sealed record RegionInfo(string Code, string Name, int Level, string? ParentCode);

    /// <summary>What the smaller queries give, beside the main one.</summary>
    private sealed record Side(Dictionary<string, RegionInfo> Regions, Dictionary<string, int> ClassCounts, List<(Key Key, int Count)> Allocated);

    public const string Urban = "urban";

    /// <summary>
    /// The figures of the analysis. With a <paramref name="helper"/> session (another connection), the settlements' rows
    /// load on <paramref name="session"/> while the small queries run on the helper.
    /// </summary>
    public static async Task<GapResults> AggregateAsync(
        GapSession session, GapSession? helper, GapPlan plan, IReadOnlyList<GapAllocation> allocations, int[] siteTotals, CancellationToken ct)
    {
        var o = plan.Options;
        async Task<Side> SideAsync(GapSession s) => new(
            await RegionsAsync(s, ct),
            await ClassCountsAsync(s, plan, ct),
            await ServicesAsync(s, plan, allocations, ct));
        Rows rows;
        Side side;
        if (helper is null)
        {
            // One connection runs one command at a time.
            rows = await Rows.LoadAsync(session, plan, ct);
            side = await SideAsync(session);
        }
        else
        {
            var rowsTask = Rows.LoadAsync(session, plan, ct);
            var sideTask = SideAsync(helper);
            await Task.WhenAll(rowsTask, sideTask);
            (rows, side) = (await rowsTask, await sideTask);
        }
        var (regions, classCounts, allocated) = side;
        var raw = RawFigures(rows, plan);
        var travel = o.TravelTime is { } t ? TravelFigures(rows, plan, t) : [];
        var worst = await WorstAsync(session, plan, rows, ct);

        var services = new Dictionary<Key, int>();
        foreach (var (baseKey, count) in allocated)
        {
            foreach (var key in Expand(baseKey.Region, baseKey.Class, baseKey.K))
            {
                services[key] = services.GetValueOrDefault(key) + count;
            }
        }

        var worstByKey = new Dictionary<Key, List<GapSettlement>>();
        foreach (var (baseKey, list) in worst)
        {
            foreach (var key in Expand(baseKey.Region, baseKey.Class, baseKey.K))
            {
                if (!worstByKey.TryGetValue(key, out var merged))
                {
                    worstByKey[key] = merged = [];
                }
                merged.AddRange(list);
            }
        }
        foreach (var key in worstByKey.Keys.ToList())
        {
            worstByKey[key] = [.. worstByKey[key].Order(WorstComparer(plan.Categories[key.K].IsArea)).Take(o.WorstN)];
        }

        GapMetrics MetricsFor(Key key) => raw.TryGetValue(key, out var r)
            ? ToMetrics(r, plan, services.GetValueOrDefault(key), travel.GetValueOrDefault(key))
            : Empty(plan, services.GetValueOrDefault(key), travel.Count > 0 || o.TravelTime is not null);

        // Only the regions the dataset's settlements are in: listing every other region of the directory (every country of
        // the world outline, say) with no figures drowns the ones that have them.
        var assigned = raw.Keys.Select(k => k.Region).Where(r => r != GapClasses.Any && r != GapClasses.Unassigned).ToHashSet(StringComparer.Ordinal);
        var regionOrder = assigned.Order(StringComparer.Ordinal).ToList();
        if (raw.Keys.Any(k => k.Region == GapClasses.Unassigned))
        {
            regionOrder.Add(GapClasses.Unassigned);
        }

        var classOrder = new[] { GapClasses.Any, Urban }.Concat(GapClasses.All).ToArray();
        var groups = new List<GapGroup>();
        foreach (var region in regionOrder.Prepend(GapClasses.Any))
        {
            var name = region == GapClasses.Any ? "All regions"
                : region == GapClasses.Unassigned ? "No region"
                : regions.TryGetValue(region, out var info) ? info.Name : null;
            foreach (var cls in classOrder)
            {
                for (var k = 0; k < plan.Categories.Count; k++)
                {
                    var key = new Key(region, cls, k);
                    // Every region gets its "all classes" rows, with or without settlements; other rows only when present.
                    if (!raw.ContainsKey(key) && cls != GapClasses.Any)
                    {
                        continue;
                    }
                    groups.Add(new GapGroup(region, name, cls, plan.Categories[k].Code, MetricsFor(key), worstByKey.GetValueOrDefault(key) ?? []));
                }
            }
        }

        var summary = new List<GapCategorySummary>();
        for (var k = 0; k < plan.Categories.Count; k++)
        {
            var c = plan.Categories[k];
            var all = MetricsFor(new Key(GapClasses.Any, GapClasses.Any, k));
            var urban = MetricsFor(new Key(GapClasses.Any, Urban, k));
            var rural = MetricsFor(new Key(GapClasses.Any, GapClasses.Rural, k));
            summary.Add(new GapCategorySummary(
                c.Code, c.Label, c.IsArea ? "area" : "in_person", siteTotals[k], c.AreaServiceIds.Length,
                all, urban, rural, Ratios(urban, rural), Headline(c, o, siteTotals[k], urban, rural),
                worstByKey.GetValueOrDefault(new Key(GapClasses.Any, GapClasses.Any, k)) ?? []));
        }

        var everything = raw.Where(r => r.Key is { Region: GapClasses.Any, Class: GapClasses.Any, K: 0 }).Select(r => r.Value).FirstOrDefault();
        var totals = new GapTotals(plan.Settlements, everything?.Population, assigned.Count, plan.ByPopulation ? "population" : "settlements");
        return new GapResults(GapRulesText.For(plan, classCounts), totals, summary, groups);
    }

    /// <summary>The groups a (region, class) row belongs to; "urban" gathers urban centres and towns.</summary>
    private static IEnumerable<Key> Expand(string region, string cls, int k)
    {
        yield return new Key(region, cls, k);
        yield return new Key(region, GapClasses.Any, k);
        yield return new Key(GapClasses.Any, cls, k);
        yield return new Key(GapClasses.Any, GapClasses.Any, k);
        if (GapClasses.IsUrban(cls))
        {
            yield return new Key(region, Urban, k);
            yield return new Key(GapClasses.Any, Urban, k);
        }
    }

    /// <summary>
    /// Every settlement's row of the analysis, in memory (a few tens of bytes each: a million settlements fit easily):
    /// its (region, class) combination, weight and population, and per category the distance, coverage and 2SFCA score.
    /// The group figures are then sums and one sort per category, where the same work as window functions over every
    /// (row × group) pair took several seconds per 100,000 settlements in SQL.
    /// </summary>
    private sealed class Rows
    {
        public List<(string Region, string Class)> Combos { get; } = [];
        public List<int> Combo { get; } = [];
        public List<long> Seq { get; } = [];
        public List<double> Weight { get; } = [];
        public List<long?> Population { get; } = [];
        /// <summary>Per category, per row: the distance in metres, NaN when there is none.</summary>
        public List<double>[] Distance { get; init; } = [];
        public List<bool>[] Covered { get; init; } = [];
        public List<double>[] Access { get; init; } = [];

        public int Count => Weight.Count;

        public static async Task<Rows> LoadAsync(GapSession s, GapPlan plan, CancellationToken ct)
        {
            var k = plan.Categories.Count;
            // A_i summed over the 2SFCA slices, per category and demand unit.
            var access = Enumerable.Range(0, k).Select(_ => new Dictionary<long, double>()).ToArray();
            await using (var cmd = s.Command(
                "SELECT category, cell, sum(accessibility) FROM gap_cell_access WHERE analysis_id = @analysis GROUP BY category, cell",
                new NpgsqlParameter<Guid>("analysis", plan.AnalysisId)))
            {
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    access[reader.GetInt16(0)][reader.GetInt64(1)] = reader.GetDouble(2);
                }
            }
            var rows = new Rows
            {
                Distance = [.. Enumerable.Range(0, k).Select(_ => new List<double>(plan.Settlements))],
                Covered = [.. Enumerable.Range(0, k).Select(_ => new List<bool>(plan.Settlements))],
                Access = [.. Enumerable.Range(0, k).Select(_ => new List<double>(plan.Settlements))],
            };
            var combos = new Dictionary<(string, string), int>();
            await using (var cmd = s.Command("""
                SELECT coalesce(region_code, 'unassigned'), settlement_class, weight, population, distance_m, covered, cell, seq
                FROM gap_point_result WHERE analysis_id = @analysis
                """, new NpgsqlParameter<Guid>("analysis", plan.AnalysisId)))
            {
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var combo = (reader.GetString(0), reader.GetString(1));
                    if (!combos.TryGetValue(combo, out var index))
                    {
                        combos[combo] = index = rows.Combos.Count;
                        rows.Combos.Add(combo);
                    }
                    rows.Combo.Add(index);
                    rows.Seq.Add(reader.GetInt64(7));
                    rows.Weight.Add(reader.GetDouble(2));
                    rows.Population.Add(NullableLong(reader, 3));
                    var distances = reader.GetFieldValue<double?[]>(4);
                    var covered = reader.GetFieldValue<bool[]>(5);
                    var cell = reader.GetInt64(6);
                    for (var c = 0; c < k; c++)
                    {
                        rows.Distance[c].Add(c < distances.Length && distances[c] is { } d ? d : double.NaN);
                        rows.Covered[c].Add(c < covered.Length && covered[c]);
                        rows.Access[c].Add(access[c].GetValueOrDefault(cell));
                    }
                }
            }
            return rows;
        }

        /// <summary>For each combination, the groups (region × class) it adds to: see <see cref="Expand"/>.</summary>
        public (List<(string Region, string Class)> Groups, int[][] Of) GroupsOf()
        {
            var groups = new List<(string Region, string Class)>();
            var index = new Dictionary<(string, string), int>();
            var of = Combos.Select(combo => Expand(combo.Region, combo.Class, 0).Select(key =>
            {
                if (!index.TryGetValue((key.Region, key.Class), out var g))
                {
                    index[(key.Region, key.Class)] = g = groups.Count;
                    groups.Add((key.Region, key.Class));
                }
                return g;
            }).ToArray()).ToArray();
            return (groups, of);
        }
    }

    /// <summary>
    /// Weighted percentile q of a group = the smallest value v such that the weight (population) with a value ≤ v is at
    /// least q × the group's weight (the inverse of the weighted distribution function; no interpolation). Rows without a
    /// value count in the group's weight and sort last, so a percentile that only they reach has no value.
    /// </summary>
    private static (double?[] Median, double?[] P90) Percentiles(double[] values, Rows rows, int[][] of, double[] totalWeight)
    {
        var groups = totalWeight.Length;
        var (median, p90) = (new double?[groups], new double?[groups]);
        var (hasMedian, hasP90) = (new bool[groups], new bool[groups]);
        var cumulative = new double[groups];
        var order = Enumerable.Range(0, values.Length).ToArray();
        var keys = values.Select(v => double.IsNaN(v) ? double.PositiveInfinity : v).ToArray();
        Array.Sort(keys, order);
        foreach (var i in order)
        {
            double? value = double.IsNaN(values[i]) ? null : values[i];
            foreach (var g in of[rows.Combo[i]])
            {
                cumulative[g] += rows.Weight[i];
                if (totalWeight[g] > 0 && !hasMedian[g] && cumulative[g] >= 0.5 * totalWeight[g])
                {
                    (hasMedian[g], median[g]) = (true, value);
                }
                if (totalWeight[g] > 0 && !hasP90[g] && cumulative[g] >= 0.9 * totalWeight[g])
                {
                    (hasP90[g], p90[g]) = (true, value);
                }
            }
        }
        return (median, p90);
    }

    /// <summary>
    /// Unweighted percentiles over a group's settlements (each counts once, whatever its population): linear interpolation
    /// between the closest ranks (Hyndman &amp; Fan type 7, the default of R and NumPy), so the median of an even count is the
    /// mean of the two middle values. Settlements without a value sort last; a percentile that needs one of them has no value.
    /// </summary>
    private static (double?[] Median, double?[] P90) SettlementPercentiles(double[] values, Rows rows, int[][] of, int[] count)
    {
        var groups = count.Length;
        // Stryker disable once Linq : equivalent — only the lists' initial capacity, never their contents.
        var sorted = Enumerable.Range(0, groups).Select(g => new List<double>(Math.Min(count[g], 1024))).ToArray();
        var order = Enumerable.Range(0, values.Length).ToArray();
        var keys = values.Select(v => double.IsNaN(v) ? double.PositiveInfinity : v).ToArray();
        Array.Sort(keys, order);
        for (var j = 0; j < order.Length; j++)
        {
            foreach (var g in of[rows.Combo[order[j]]])
            {
                sorted[g].Add(keys[j]);
            }
        }
        var (median, p90) = (new double?[groups], new double?[groups]);
        for (var g = 0; g < groups; g++)
        {
            median[g] = Quantile(sorted[g], 0.5);
            p90[g] = Quantile(sorted[g], 0.9);
        }
        return (median, p90);
    }

    /// <summary>Type-7 quantile of ascending values (+∞ = no value); null when empty or when it would need a missing value.</summary>
    internal static double? Quantile(IReadOnlyList<double> ascending, double q)
    {
        if (ascending.Count == 0)
        {
            return null;
        }
        var h = (ascending.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var fraction = h - lo;
        var a = ascending[lo];
        if (fraction == 0)
        {
            return double.IsPositiveInfinity(a) ? null : a;
        }
        var b = ascending[lo + 1];
        return double.IsPositiveInfinity(a) || double.IsPositiveInfinity(b) ? null : a + (fraction * (b - a));
    }

    /// <summary>Per group and category: counts, weights, the population-weighted mean, percentiles and maximum distance, shares and 2SFCA.</summary>
    private static Dictionary<Key, Raw> RawFigures(Rows rows, GapPlan plan)
    {
        var thresholds = plan.Options.ThresholdsKm.Select(t => t * 1000).ToArray();
        var target = plan.Options.TargetKm * 1000;
        var (groups, of) = rows.GroupsOf();
        var result = new Dictionary<Key, Raw>();
        for (var k = 0; k < plan.Categories.Count; k++)
        {
            var isArea = plan.Categories[k].IsArea;
            var n = groups.Count;
            var count = new int[n];
            var (weight, withDistance, weighted, covered, served, access) = (new double[n], new double[n], new double[n], new double[n], new double[n], new double[n]);
            var population = new long[n];
            var hasPopulation = new bool[n];
            var max = new double?[n];
            var within = Enumerable.Range(0, n).Select(_ => new double[thresholds.Length]).ToArray();
            var distance = rows.Distance[k];
            for (var i = 0; i < rows.Count; i++)
            {
                var (w, d, cov) = (rows.Weight[i], distance[i], rows.Covered[k][i]);
                foreach (var g in of[rows.Combo[i]])
                {
                    count[g]++;
                    weight[g] += w;
                    if (rows.Population[i] is { } p)
                    {
                        (population[g], hasPopulation[g]) = (population[g] + p, true);
                    }
                    if (!double.IsNaN(d))
                    {
                        withDistance[g] += w;
                        weighted[g] += w * d;
                        max[g] = Math.Max(max[g] ?? d, d);
                        for (var t = 0; t < thresholds.Length; t++)
                        {
                            within[g][t] += d <= thresholds[t] ? w : 0;
                        }
                    }
                    covered[g] += cov ? w : 0;
                    served[g] += d <= target || (cov && isArea) ? w : 0;
                    access[g] += w * rows.Access[k][i];
                }
            }
            var (median, p90) = Percentiles([.. distance], rows, of, weight);
            var (settlementMedian, settlementP90) = SettlementPercentiles([.. distance], rows, of, count);
            for (var g = 0; g < n; g++)
            {
                if (count[g] == 0)
                {
                    // Stryker disable once Statement : unreachable — GroupsOf makes a group only for a row in it, so every group counts one.
                    continue;
                }
                result[new Key(groups[g].Region, groups[g].Class, k)] = new Raw(
                    count[g], weight[g], hasPopulation[g] ? population[g] : null, withDistance[g] > 0 ? weighted[g] / withDistance[g] : null,
                    median[g], p90[g], max[g], within[g], covered[g], served[g], access[g], settlementMedian[g], settlementP90[g]);
            }
        }
        return result;
    }

    /// <summary>Estimated minutes = distance km × detour ÷ class speed × 60; percentiles as for distances.</summary>
    private static Dictionary<Key, GapTravelTime> TravelFigures(Rows rows, GapPlan plan, GapTravelOptions t)
    {
        var (groups, of) = rows.GroupsOf();
        var speed = rows.Combos.Select(c => t.SpeedKmh(c.Class)).ToArray();
        var result = new Dictionary<Key, GapTravelTime>();
        for (var k = 0; k < plan.Categories.Count; k++)
        {
            var minutes = rows.Distance[k].Select((d, i) => d / 1000 * t.DetourFactor / speed[rows.Combo[i]] * 60).ToArray();
            var n = groups.Count;
            var (weight, withValue, weighted, count) = (new double[n], new double[n], new double[n], new int[n]);
            for (var i = 0; i < rows.Count; i++)
            {
                foreach (var g in of[rows.Combo[i]])
                {
                    count[g]++;
                    weight[g] += rows.Weight[i];
                    if (!double.IsNaN(minutes[i]))
                    {
                        withValue[g] += rows.Weight[i];
                        weighted[g] += rows.Weight[i] * minutes[i];
                    }
                }
            }
            var (median, p90) = Percentiles(minutes, rows, of, weight);
            for (var g = 0; g < n; g++)
            {
                if (count[g] > 0)
                {
                    result[new Key(groups[g].Region, groups[g].Class, k)] = new GapTravelTime(
                        true, Round(withValue[g] > 0 ? weighted[g] / withValue[g] : null, 1), Round(median[g], 1), Round(p90[g], 1));
                }
            }
        }
        return result;
    }

    /// <summary>
    /// The <c>worst_n</c> worst-served settlements of each (region, class, category), in <see cref="CompareWorst"/> order.
    /// A bounded heap per combination over the rows in memory; only the
    /// chosen settlements' names and points are read from the database.
    /// </summary>
    private static async Task<Dictionary<Key, List<GapSettlement>>> WorstAsync(GapSession s, GapPlan plan, Rows rows, CancellationToken ct)
    {
        var result = new Dictionary<Key, List<GapSettlement>>();
        var n = plan.Options.WorstN;
        if (n == 0 || rows.Count == 0)
        {
            return result;
        }
        var chosen = new List<(Key Key, int[] Rows)>();
        for (var k = 0; k < plan.Categories.Count; k++)
        {
            var (distance, covered, isArea) = (rows.Distance[k], rows.Covered[k], plan.Categories[k].IsArea);
            (bool, double?, long?, long) Of(int i) => (covered[i], double.IsNaN(distance[i]) ? null : distance[i], rows.Population[i], rows.Seq[i]);
            int Rank(int a, int b) => CompareWorst(isArea, Of(a), Of(b));
            // A max-heap of the kept rows by rank: its top is the best served of them, the first to give way.
            var comparer = Comparer<int>.Create((a, b) => Rank(b, a));
            var heaps = rows.Combos.Select(_ => new PriorityQueue<int, int>(comparer)).ToArray();
            for (var i = 0; i < rows.Count; i++)
            {
                var heap = heaps[rows.Combo[i]];
                if (heap.Count < n)
                {
                    heap.Enqueue(i, i);
                }
                else if (Rank(i, heap.Peek()) < 0)
                {
                    heap.DequeueEnqueue(i, i);
                }
            }
            for (var c = 0; c < heaps.Length; c++)
            {
                if (heaps[c].Count > 0)
                {
                    var kept = heaps[c].UnorderedItems.Select(x => x.Element).ToArray();
                    Array.Sort(kept, Rank);
                    chosen.Add((new Key(rows.Combos[c].Region, rows.Combos[c].Class, k), kept));
                }
            }
        }
        var seqs = chosen.SelectMany(c => c.Rows).Select(i => rows.Seq[i]).Distinct().ToArray();
        var details = new Dictionary<long, (Guid Id, string Name, string? Region, double Lat, double Lng, string? SourceClass)>();
        await using (var cmd = s.Command("""
            SELECT r.seq, r.demand_point_id, d.name, r.region_code, ST_Y(d.point::geometry), ST_X(d.point::geometry), d.settlement_class
            FROM gap_point_result r JOIN demand_point d ON d.id = r.demand_point_id
            WHERE r.analysis_id = @analysis AND r.seq = ANY(@seqs)
            """,
            new NpgsqlParameter<Guid>("analysis", plan.AnalysisId),
            new NpgsqlParameter<long[]>("seqs", seqs)))
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                details[reader.GetInt64(0)] = (reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetDouble(4), reader.GetDouble(5), reader.IsDBNull(6) ? null : reader.GetString(6));
            }
        }
        foreach (var (key, kept) in chosen)
        {
            // (A point deleted meanwhile — its dataset replaced during the analysis — is left out, as a join would.)
            result[key] = [.. kept.Where(i => details.ContainsKey(rows.Seq[i])).Select(i =>
            {
                var d = details[rows.Seq[i]];
                var distance = rows.Distance[key.K][i];
                return new GapSettlement(d.Id, d.Name, d.Region, key.Class, rows.Population[i], double.IsNaN(distance) ? null : distance,
                    rows.Covered[key.K][i], Math.Round(d.Lat, 6), Math.Round(d.Lng, 6), d.SourceClass, rows.Seq[i]);
            })];
        }
        return result;
    }

    /// <summary>
    /// The worst-served order, negative when <paramref name="a"/> ranks before (is worse served than) <paramref name="b"/>:
    /// for area-served categories those outside every service area first, then the farthest (no site at all first), then
    /// the most populous, then the first in the dataset.
    /// </summary>
    private static int CompareWorst(bool isArea, (bool Covered, double? Distance, long? Population, long Seq) a, (bool Covered, double? Distance, long? Population, long Seq) b)
    {
        var c = isArea ? a.Covered.CompareTo(b.Covered) : 0;
        if (c == 0)
        {
            c = (b.Distance ?? double.PositiveInfinity).CompareTo(a.Distance ?? double.PositiveInfinity);
        }
        if (c == 0)
        {
            c = (b.Population ?? -1).CompareTo(a.Population ?? -1);
        }
        return c != 0 ? c : a.Seq.CompareTo(b.Seq);
    }

    private static Comparer<GapSettlement> WorstComparer(bool isArea) => Comparer<GapSettlement>.Create((a, b) =>
        CompareWorst(isArea, (a.Covered, a.DistanceM, a.Population, a.Seq), (b.Covered, b.DistanceM, b.Population, b.Seq)));

    /// <summary>Services counted at each settlement, summed by that settlement's region and class.</summary>
    private static async Task<List<(Key Key, int Count)>> ServicesAsync(GapSession s, GapPlan plan, IReadOnlyList<GapAllocation> allocations, CancellationToken ct)
    {
        await using var cmd = s.Command("""
            SELECT coalesce(r.region_code, 'unassigned'), r.settlement_class, a.k, sum(a.capacity)::int
            FROM unnest(@k, @seq, @capacity) AS a(k, seq, capacity)
            JOIN gap_point_result r ON r.analysis_id = @analysis AND r.seq = a.seq
            GROUP BY 1, 2, 3
            """,
            new NpgsqlParameter<Guid>("analysis", plan.AnalysisId),
            new NpgsqlParameter<int[]>("k", [.. allocations.Select(a => a.Category)]),
            new NpgsqlParameter<long[]>("seq", [.. allocations.Select(a => a.Seq)]),
            new NpgsqlParameter<int[]>("capacity", [.. allocations.Select(a => a.Services)]));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var result = new List<(Key, int)>();
        while (await reader.ReadAsync(ct))
        {
            result.Add((new Key(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)), reader.GetInt32(3)));
        }
        return result;
    }

    private static async Task<Dictionary<string, RegionInfo>> RegionsAsync(GapSession s, CancellationToken ct)
    {
        await using var cmd = s.Command("SELECT code, name, level, parent_code FROM region");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var result = new Dictionary<string, RegionInfo>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetString(0)] = new RegionInfo(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        }
        return result;
    }

    private static async Task<Dictionary<string, int>> ClassCountsAsync(GapSession s, GapPlan plan, CancellationToken ct)
    {
        await using var cmd = s.Command("SELECT class_source, count(*)::int FROM gap_point_result WHERE analysis_id = @analysis GROUP BY 1",
            new NpgsqlParameter<Guid>("analysis", plan.AnalysisId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetString(0)] = reader.GetInt32(1);
        }
        return result;
    }

    private static GapMetrics ToMetrics(Raw r, GapPlan plan, int services, GapTravelTime? travel)
    {
        var o = plan.Options;
        var has = r.Weight > 0;
        double? Share(double w) => has ? Math.Round(w / r.Weight, 4) : null;
        var perPerson = plan.ByPopulation && has;
        var served = Share(r.ServedWeight);
        return new GapMetrics(
            r.Settlements,
            r.Weight,
            r.Population,
            Round(r.Mean, 1),
            Round(r.Median, 1),
            Round(r.P90, 1),
            Round(r.SettlementMedian, 1),
            Round(r.SettlementP90, 1),
            Round(r.Max, 1),
            [.. o.ThresholdsKm.Select((t, i) => new GapShare(t, Share(r.WithinWeight[i])))],
            Share(r.CoveredWeight),
            served,
            services,
            perPerson ? Math.Round(services / r.Weight * 100_000, 3) : null,
            perPerson ? Math.Round(r.AccessWeighted / r.Weight * 100_000, 4) : null,
            o.TravelTime is null ? null : travel ?? new GapTravelTime(true, null, null, null),
            served is { } sv ? sv < o.TargetShare : null);
    }

    private static GapMetrics Empty(GapPlan plan, int services, bool travel) => new(
        0, 0, plan.ByPopulation ? 0 : null, null, null, null, null, null, null,
        [.. plan.Options.ThresholdsKm.Select(t => new GapShare(t, null))], null, null, services, null, null,
        travel ? new GapTravelTime(true, null, null, null) : null, null);

    private static GapRatios Ratios(GapMetrics urban, GapMetrics rural) => new(
        Ratio(rural.MeanDistanceM, urban.MeanDistanceM),
        Ratio(rural.MedianDistanceM, urban.MedianDistanceM),
        Ratio(rural.P90DistanceM, urban.P90DistanceM),
        Ratio(rural.MedianDistanceMSettlements, urban.MedianDistanceMSettlements),
        Ratio(rural.P90DistanceMSettlements, urban.P90DistanceMSettlements),
        Ratio(rural.MaxDistanceM, urban.MaxDistanceM),
        [.. rural.Within.Zip(urban.Within, (r, u) => new GapShare(r.Km, Ratio(r.Share, u.Share)))],
        Ratio(rural.CoveredShare, urban.CoveredShare),
        Ratio(rural.ServedShare, urban.ServedShare),
        Ratio(rural.ServicesPer100k, urban.ServicesPer100k),
        Ratio(rural.AccessibilityPer100k, urban.AccessibilityPer100k),
        Ratio(rural.TravelMinutes?.Mean, urban.TravelMinutes?.Mean));

    /// <summary>rural ÷ urban, or null when either is unknown or urban is 0.</summary>
    internal static double? Ratio(double? rural, double? urban) =>
        rural is { } r && urban is { } u && u != 0 ? Math.Round(r / u, 3) : null;

    private static string Headline(GapCategoryInput c, GapOptions o, int sites, GapMetrics urban, GapMetrics rural) =>
        GapTexts.EnglishHeadline(c.Label, c.IsArea, sites, o.TargetKm, urban, rural);

    internal static string Km(double? metres) => metres is { } m ? (m / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " km" : "n/a";

    internal static string Percent(double? share) => share is { } s ? (s * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "n/a";

    private static double? Round(double? value, int digits) => value is { } v ? Math.Round(v, digits) : null;

    private static double? NullableDouble(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    private static long? NullableLong(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
}
