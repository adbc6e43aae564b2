using System.Globalization;
using System.Text;
using Npgsql;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// Turns the per-settlement rows of an analysis into its figures, in SQL: every settlement × category row is expanded into
/// the groups it belongs to (its region and class, its region overall, its class everywhere, everything, and the urban side
/// of each), and one sort by (group, distance) gives population-weighted percentiles through running sums.
/// </summary>
internal static class GapAggregator
{
    private sealed record Raw(
        int Settlements, double Weight, long? Population, double? Mean, double? Median, double? P90, double? Max,
        double[] WithinWeight, double CoveredWeight, double ServedWeight, double AccessWeighted);

    private readonly record struct Key(string Region, string Class, int K);

    private sealed record RegionInfo(string Code, string Name, int Level, string? ParentCode);

    /// <summary>What the smaller queries give, beside the main one.</summary>
    private sealed record Side(
        Dictionary<Key, GapTravelTime> Travel, Dictionary<Key, List<GapSettlement>> Worst, Dictionary<string, RegionInfo> Regions,
        Dictionary<string, int> ClassCounts, List<(Key Key, int Count)> Allocated);

    public const string Urban = "urban";

    /// <summary>
    /// The figures of the analysis. With a <paramref name="helper"/> session (another connection), the main query (every
    /// group's distances, shares and 2SFCA) runs on <paramref name="session"/> while the smaller ones run on the helper.
    /// </summary>
    public static async Task<GapResults> AggregateAsync(
        GapSession session, GapSession? helper, GapPlan plan, IReadOnlyList<GapAllocation> allocations, int[] siteTotals, CancellationToken ct)
    {
        var o = plan.Options;
        async Task<Side> SideAsync(GapSession s) => new(
            o.TravelTime is { } t ? await TravelAsync(s, plan, t, ct) : [],
            await WorstAsync(s, plan, ct),
            await RegionsAsync(s, ct),
            await ClassCountsAsync(s, plan, ct),
            await ServicesAsync(s, plan, allocations, ct));
        Dictionary<Key, Raw> raw;
        Side side;
        if (helper is null)
        {
            // One connection runs one command at a time.
            raw = await RawAsync(session, plan, ct);
            side = await SideAsync(session);
        }
        else
        {
            var rawTask = RawAsync(session, plan, ct);
            var sideTask = SideAsync(helper);
            await Task.WhenAll(rawTask, sideTask);
            (raw, side) = (await rawTask, await sideTask);
        }
        var (travel, worst, regions, classCounts, allocated) = side;

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

        // Regions in the analysis, plus their siblings without settlements (same level and parent): a region with
        // nobody in the dataset is a finding too, not something to drop silently.
        var assigned = raw.Keys.Select(k => k.Region).Where(r => r != GapClasses.Any && r != GapClasses.Unassigned).ToHashSet(StringComparer.Ordinal);
        var known = regions.Where(r => assigned.Contains(r.Key)).Select(r => r.Value).ToList();
        var siblings = regions.Values
            .Where(r => !assigned.Contains(r.Code) && known.Any(a => a.Level == r.Level && a.ParentCode == r.ParentCode))
            .Select(r => r.Code);
        var regionOrder = assigned.Concat(siblings).Order(StringComparer.Ordinal).ToList();
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

    private const string Expansion = """
        CROSS JOIN LATERAL (
            SELECT v.region_key, v.class_key FROM (VALUES
                (b.region, b.cls), (b.region, 'all'), ('all', b.cls), ('all', 'all'),
                (CASE WHEN b.cls IN ('urban_centre', 'urban_cluster') THEN b.region END, 'urban'),
                (CASE WHEN b.cls IN ('urban_centre', 'urban_cluster') THEN 'all' END, 'urban')) AS v(region_key, class_key)
            WHERE v.region_key IS NOT NULL) g
        """;

    private const string Base = """
        SELECT coalesce(r.region_code, 'unassigned') COLLATE "C" AS region, r.settlement_class COLLATE "C" AS cls, r.weight, r.population,
               c.k::int - 1 AS k, c.d, c.cov, coalesce(a.accessibility, 0) AS acc
        FROM gap_point_result r
        CROSS JOIN LATERAL unnest(r.distance_m, r.covered) WITH ORDINALITY AS c(d, cov, k)
        LEFT JOIN (SELECT category, cell, sum(accessibility) AS accessibility FROM gap_cell_access
                   WHERE analysis_id = @analysis GROUP BY category, cell) a ON a.category = c.k - 1 AND a.cell = r.cell
        WHERE r.analysis_id = @analysis
        """;

    /// <summary>
    /// (Keys sort with the C collation: byte order is all grouping needs, and it sorts several times faster.)
    /// Weighted percentile q of a group = the smallest distance d such that the weight (population) living within d is
    /// at least q × the group's weight (the inverse of the weighted distribution function; no interpolation).
    /// </summary>
    private static async Task<Dictionary<Key, Raw>> RawAsync(GapSession s, GapPlan plan, CancellationToken ct)
    {
        var thresholds = plan.Options.ThresholdsKm;
        var sql = new StringBuilder($"""
            WITH b AS ({Base}),
            x AS (SELECT g.region_key, g.class_key, b.* FROM b {Expansion}),
            y AS (
                SELECT x.*,
                       sum(x.weight) OVER (PARTITION BY x.region_key, x.class_key, x.k ORDER BY x.d ROWS UNBOUNDED PRECEDING) AS cw,
                       sum(x.weight) OVER (PARTITION BY x.region_key, x.class_key, x.k) AS tw
                FROM x)
            SELECT region_key, class_key, k, count(*)::int, sum(weight), sum(population)::bigint,
                   sum(weight * d) / nullif(sum(weight) FILTER (WHERE d IS NOT NULL), 0),
                   min(d) FILTER (WHERE tw > 0 AND cw >= 0.5 * tw),
                   min(d) FILTER (WHERE tw > 0 AND cw >= 0.9 * tw),
                   max(d),
                   coalesce(sum(weight) FILTER (WHERE cov), 0),
                   coalesce(sum(weight) FILTER (WHERE d <= @target OR (cov AND (@areas)[k + 1])), 0),
                   coalesce(sum(weight * acc), 0)
            """);
        for (var i = 0; i < thresholds.Length; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $", coalesce(sum(weight) FILTER (WHERE d <= @t{i}), 0)");
        }
        sql.Append(" FROM y GROUP BY region_key, class_key, k");
        var parameters = new List<NpgsqlParameter>
        {
            new NpgsqlParameter<Guid>("analysis", plan.AnalysisId),
            new NpgsqlParameter<double>("target", plan.Options.TargetKm * 1000),
            new NpgsqlParameter<bool[]>("areas", [.. plan.Categories.Select(c => c.IsArea)]),
        };
        parameters.AddRange(thresholds.Select((t, i) => new NpgsqlParameter<double>($"t{i}", t * 1000)));
        await using var cmd = s.Command(sql.ToString(), [.. parameters]);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var result = new Dictionary<Key, Raw>();
        while (await reader.ReadAsync(ct))
        {
            var within = new double[thresholds.Length];
            for (var i = 0; i < within.Length; i++)
            {
                within[i] = reader.GetDouble(13 + i);
            }
            result[new Key(reader.GetString(0), reader.GetString(1), reader.GetInt32(2))] = new Raw(
                reader.GetInt32(3), reader.GetDouble(4), NullableLong(reader, 5), NullableDouble(reader, 6), NullableDouble(reader, 7),
                NullableDouble(reader, 8), NullableDouble(reader, 9), within, reader.GetDouble(10), reader.GetDouble(11), reader.GetDouble(12));
        }
        return result;
    }

    /// <summary>Estimated minutes = distance km × detour ÷ class speed × 60; percentiles as for distances.</summary>
    private static async Task<Dictionary<Key, GapTravelTime>> TravelAsync(GapSession s, GapPlan plan, GapTravelOptions t, CancellationToken ct)
    {
        await using var cmd = s.Command($"""
            WITH b AS ({Base}),
            x AS (
                SELECT g.region_key, g.class_key, b.k, b.weight,
                       b.d / 1000 * @detour / (CASE b.cls WHEN 'urban_centre' THEN @v_centre WHEN 'urban_cluster' THEN @v_cluster ELSE @v_rural END) * 60 AS m
                FROM b {Expansion}),
            y AS (
                SELECT x.*,
                       sum(x.weight) OVER (PARTITION BY x.region_key, x.class_key, x.k ORDER BY x.m ROWS UNBOUNDED PRECEDING) AS cw,
                       sum(x.weight) OVER (PARTITION BY x.region_key, x.class_key, x.k) AS tw
                FROM x)
            SELECT region_key, class_key, k,
                   sum(weight * m) / nullif(sum(weight) FILTER (WHERE m IS NOT NULL), 0),
                   min(m) FILTER (WHERE tw > 0 AND cw >= 0.5 * tw),
                   min(m) FILTER (WHERE tw > 0 AND cw >= 0.9 * tw)
            FROM y GROUP BY region_key, class_key, k
            """,
            new NpgsqlParameter<Guid>("analysis", plan.AnalysisId),
            new NpgsqlParameter<double>("detour", t.DetourFactor),
            new NpgsqlParameter<double>("v_centre", t.UrbanCentreKmh),
            new NpgsqlParameter<double>("v_cluster", t.UrbanClusterKmh),
            new NpgsqlParameter<double>("v_rural", t.RuralKmh));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var result = new Dictionary<Key, GapTravelTime>();
        while (await reader.ReadAsync(ct))
        {
            result[new Key(reader.GetString(0), reader.GetString(1), reader.GetInt32(2))] = new GapTravelTime(
                true, Round(NullableDouble(reader, 3), 1), Round(NullableDouble(reader, 4), 1), Round(NullableDouble(reader, 5), 1));
        }
        return result;
    }

    /// <summary>
    /// The N worst-served settlements of every region × class × category: for area-served categories those outside every
    /// service area first; then the farthest from an in-person site (none at all first); then the most populous.
    /// </summary>
    private static async Task<Dictionary<Key, List<GapSettlement>>> WorstAsync(GapSession s, GapPlan plan, CancellationToken ct)
    {
        var result = new Dictionary<Key, List<GapSettlement>>();
        if (plan.Options.WorstN == 0)
        {
            return result;
        }
        await using var cmd = s.Command("""
            SELECT z.region, z.cls, z.k, z.demand_point_id, d.name, z.population, z.d, z.cov,
                   ST_Y(d.point::geometry), ST_X(d.point::geometry), z.region_code, z.seq
            FROM (
                SELECT coalesce(r.region_code, 'unassigned') AS region, r.region_code, r.settlement_class AS cls, c.k::int - 1 AS k, r.seq,
                       r.demand_point_id, r.population, c.d, c.cov,
                       row_number() OVER (
                           PARTITION BY coalesce(r.region_code, 'unassigned'), r.settlement_class, c.k
                           ORDER BY (c.cov AND (@areas)[c.k]), c.d DESC NULLS FIRST, r.population DESC NULLS LAST, r.seq) AS rn
                FROM gap_point_result r
                CROSS JOIN LATERAL unnest(r.distance_m, r.covered) WITH ORDINALITY AS c(d, cov, k)
                WHERE r.analysis_id = @analysis) z
            JOIN demand_point d ON d.id = z.demand_point_id
            WHERE z.rn <= @n
            """,
            new NpgsqlParameter<Guid>("analysis", plan.AnalysisId),
            new NpgsqlParameter<bool[]>("areas", [.. plan.Categories.Select(c => c.IsArea)]),
            new NpgsqlParameter<long>("n", plan.Options.WorstN));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = new Key(reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
            if (!result.TryGetValue(key, out var list))
            {
                result[key] = list = [];
            }
            list.Add(new GapSettlement(reader.GetGuid(3), reader.GetString(4), reader.IsDBNull(10) ? null : reader.GetString(10),
                key.Class, NullableLong(reader, 5), NullableDouble(reader, 6), reader.GetBoolean(7),
                Math.Round(reader.GetDouble(8), 6), Math.Round(reader.GetDouble(9), 6), reader.GetInt64(11)));
        }
        return result;
    }

    /// <summary>The same order as the SQL ranking: (area-served only) uncovered first, then farthest, then most populous.</summary>
    private static Comparer<GapSettlement> WorstComparer(bool isArea) => Comparer<GapSettlement>.Create((a, b) =>
    {
        var byCover = isArea ? a.Covered.CompareTo(b.Covered) : 0;
        if (byCover != 0)
        {
            return byCover;
        }
        var byDistance = (b.DistanceM ?? double.PositiveInfinity).CompareTo(a.DistanceM ?? double.PositiveInfinity);
        if (byDistance != 0)
        {
            return byDistance;
        }
        var byPopulation = (b.Population ?? -1).CompareTo(a.Population ?? -1);
        return byPopulation != 0 ? byPopulation : a.Seq.CompareTo(b.Seq);
    });

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
        0, 0, plan.ByPopulation ? 0 : null, null, null, null, null,
        [.. plan.Options.ThresholdsKm.Select(t => new GapShare(t, null))], null, null, services, null, null,
        travel ? new GapTravelTime(true, null, null, null) : null, null);

    private static GapRatios Ratios(GapMetrics urban, GapMetrics rural) => new(
        Ratio(rural.MeanDistanceM, urban.MeanDistanceM),
        Ratio(rural.MedianDistanceM, urban.MedianDistanceM),
        Ratio(rural.P90DistanceM, urban.P90DistanceM),
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

    private static string Headline(GapCategoryInput c, GapOptions o, int sites, GapMetrics urban, GapMetrics rural)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(c.Label).Append(": ");
        if (urban.Settlements == 0 || rural.Settlements == 0)
        {
            sb.Append(inv, $"no urban/rural comparison ({urban.Settlements} urban and {rural.Settlements} rural settlements)");
        }
        else if (sites == 0)
        {
            sb.Append("no active in-person site in the directory");
        }
        else
        {
            var ratio = Ratio(rural.MeanDistanceM, urban.MeanDistanceM);
            sb.Append(inv, $"rural people live {ratio:0.0}× as far from the nearest site as urban people (mean {Km(rural.MeanDistanceM)} vs {Km(urban.MeanDistanceM)})");
        }
        if (rural.Settlements > 0 && urban.Settlements > 0)
        {
            if (c.IsArea)
            {
                sb.Append(inv, $"; served (within {o.TargetKm:0.#} km or inside a service area): {Percent(rural.ServedShare)} of rural vs {Percent(urban.ServedShare)} of urban people");
            }
            else
            {
                sb.Append(inv, $"; {Percent(rural.ServedShare)} of rural vs {Percent(urban.ServedShare)} of urban people live within {o.TargetKm:0.#} km");
            }
        }
        return sb.Append('.').ToString();
    }

    internal static string Km(double? metres) => metres is { } m ? (m / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " km" : "n/a";

    internal static string Percent(double? share) => share is { } s ? (s * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "n/a";

    private static double? Round(double? value, int digits) => value is { } v ? Math.Round(v, digits) : null;

    private static double? NullableDouble(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    private static long? NullableLong(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
}
