namespace Referral.Api.Features.Placements;

internal enum PlacementObjective
{
    /// <summary>Most weight newly within the target of a site (maximal covering location problem, Church &amp; ReVelle 1974).</summary>
    Coverage,

    /// <summary>Least weighted cost to the nearest site (p-median, Hakimi 1964), as the largest saving against today.</summary>
    Median,
}

/// <summary>
/// One placement problem, free of the database: settlements (weight and today's cost to the nearest existing site), and
/// candidates with the settlements each one reaches (a compressed row list: candidate j's pairs are
/// <c>PairStart[j] .. PairStart[j + 1] - 1</c>). Costs are metres, or estimated minutes with the travel-time option;
/// the caller keeps only pairs that could matter (within reach).
/// </summary>
internal sealed class PlacementProblem
{
    public required double[] Weight { get; init; }

    /// <summary>Today's cost to the nearest existing site; +∞ when there is none (coverage only: p-median needs a finite cap).</summary>
    public required double[] Before { get; init; }

    public required int[] PairStart { get; init; }
    public required int[] PairSettlement { get; init; }
    public required double[] PairCost { get; init; }

    /// <summary>Candidates too close to each other (minimum spacing): never both chosen. Null or empty lists: no constraint.</summary>
    public int[][]? Conflicts { get; init; }

    public required int K { get; init; }
    public required PlacementObjective Objective { get; init; }

    /// <summary>Coverage: a settlement is covered when its cost is at most this (boundary included, as the gap analysis's shares).</summary>
    public double Target { get; init; }

    public int Settlements => Weight.Length;
    public int Candidates => PairStart.Length - 1;
}

/// <summary>One chosen candidate, in pick order: what it adds given the sites before it, and the running total.</summary>
internal sealed record PlacementPick(int Candidate, double Gain, double Cumulative);

internal sealed record PlacementSolution(
    IReadOnlyList<PlacementPick> Picks,
    double Value,
    double GreedyValue,
    int Swaps,
    int Evaluations,
    bool StoppedEarly);

/// <summary>
/// Greedy placement with lazy evaluation (Minoux 1978; "CELF", Leskovec et al. 2007) and, for p-median, Teitz–Bart vertex
/// substitution (1968). Both objectives are monotone submodular set functions of the new sites (coverage of the people
/// not yet covered; saving of weighted cost against today), so the greedy value is at least (1 − 1/e) of the best
/// possible with k sites (Nemhauser, Wolsey &amp; Fisher 1978) when the only constraint is k. Ties go to the lower candidate
/// index, in the lazy and the plain greedy alike, so results never depend on heap order.
/// </summary>
internal static class PlacementEngine
{
    public static PlacementSolution Solve(PlacementProblem p, CancellationToken ct = default)
    {
        var greedy = Greedy(p, ct, out var evaluations, out var stoppedEarly);
        var chosen = greedy.Select(x => x.Candidate).ToList();
        var greedyValue = greedy.Count == 0 ? 0 : greedy[^1].Cumulative;
        var swaps = 0;
        if (p.Objective == PlacementObjective.Median && chosen.Count > 0)
        {
            swaps = Interchange(p, chosen, ct);
        }
        var picks = swaps == 0 ? greedy : Order(p, chosen);
        return new PlacementSolution(picks, picks.Count == 0 ? 0 : picks[^1].Cumulative, greedyValue, swaps, evaluations, stoppedEarly);
    }

    /// <summary>The objective of a set of candidates (for tests and brute force): people newly covered, or weighted saving.</summary>
    public static double Value(PlacementProblem p, IEnumerable<int> candidates)
    {
        var state = new State(p);
        foreach (var j in candidates)
        {
            state.Add(j);
        }
        return state.Value;
    }

    /// <summary>
    /// Lazy greedy: every candidate sits in a max-heap under an upper bound of its gain (its last computed gain: gains only
    /// shrink as sites are added). The top is recomputed; if it is still at least the next bound it is the best, else it
    /// goes back with its new gain. Ordering by (gain desc, index asc) makes the pick identical to the plain greedy's.
    /// </summary>
    internal static List<PlacementPick> Greedy(PlacementProblem p, CancellationToken ct, out int evaluations, out bool stoppedEarly)
    {
        var state = new State(p);
        var blocked = new bool[p.Candidates];
        var heap = new PriorityQueue<int, (double Gain, int Index)>(Comparer<(double Gain, int Index)>.Create(
            (a, b) => a.Gain != b.Gain ? b.Gain.CompareTo(a.Gain) : a.Index.CompareTo(b.Index)));
        var freshAt = new int[p.Candidates];
        evaluations = 0;
        for (var j = 0; j < p.Candidates; j++)
        {
            var g = state.Gain(j);
            evaluations++;
            if (g > 0)
            {
                heap.Enqueue(j, (g, j));
            }
        }
        var picks = new List<PlacementPick>();
        stoppedEarly = false;
        while (picks.Count < p.K)
        {
            ct.ThrowIfCancellationRequested();
            var found = false;
            while (heap.TryDequeue(out var j, out var key))
            {
                if (blocked[j])
                {
                    continue;
                }
                if (freshAt[j] == picks.Count)
                {
                    state.Add(j);
                    picks.Add(new PlacementPick(j, key.Gain, state.Value));
                    foreach (var other in p.Conflicts is { } c && j < c.Length ? c[j] : [])
                    {
                        blocked[other] = true;
                    }
                    blocked[j] = true;
                    found = true;
                    break;
                }
                var g = state.Gain(j);
                evaluations++;
                freshAt[j] = picks.Count;
                if (g > 0)
                {
                    heap.Enqueue(j, (g, j));
                }
            }
            if (!found)
            {
                // No remaining candidate adds anyone (or saves anything): fewer than k sites are worth opening.
                stoppedEarly = true;
                break;
            }
        }
        return picks;
    }

    /// <summary>
    /// Teitz–Bart: for each candidate outside the solution, in index order, the best swap with a chosen site (the one whose
    /// removal costs least once the candidate is in); made when it lowers the weighted cost. Repeats until a full pass
    /// changes nothing: a local optimum under single swaps. A swap is evaluated in time linear in the candidate's pairs
    /// (Whitaker 1983): each settlement keeps its nearest and second-nearest site, existing sites included.
    /// </summary>
    private static int Interchange(PlacementProblem p, List<int> chosen, CancellationToken ct)
    {
        var swaps = 0;
        var total = 0.0;
        for (var i = 0; i < p.Settlements; i++)
        {
            total += p.Weight[i] * p.Before[i];
        }
        // Improvements smaller than this are rounding, not a better solution (and could make the search cycle).
        var epsilon = Math.Max(1e-9, total * 1e-12);
        var inSet = new bool[p.Candidates];
        chosen.ForEach(j => inSet[j] = true);
        var n = p.Settlements;
        var (d1, d2, a1) = (new double[n], new double[n], new int[n]);
        var removal = new double[chosen.Count];
        var correction = new double[chosen.Count];
        Nearest(p, chosen, d1, d2, a1, removal);
        bool improved;
        do
        {
            improved = false;
            for (var c = 0; c < p.Candidates; c++)
            {
                ct.ThrowIfCancellationRequested();
                if (inSet[c] || p.PairStart[c] == p.PairStart[c + 1])
                {
                    continue;
                }
                var best = -1;
                var bestDelta = -epsilon;
                Array.Clear(correction);
                var gainIn = 0.0;
                for (var x = p.PairStart[c]; x < p.PairStart[c + 1]; x++)
                {
                    var i = p.PairSettlement[x];
                    var e = p.PairCost[x];
                    var w = p.Weight[i];
                    var plain = Math.Min(0, e - d1[i]);
                    gainIn += w * plain;
                    if (a1[i] >= 0)
                    {
                        // If this settlement's nearest new site leaves, the candidate competes with its second nearest.
                        correction[a1[i]] += w * (Math.Min(e, d2[i]) - d2[i]) - (w * plain);
                    }
                }
                for (var s = 0; s < chosen.Count; s++)
                {
                    if (Conflicts(p, c, chosen, s))
                    {
                        continue;
                    }
                    var delta = removal[s] + gainIn + correction[s];
                    if (delta < bestDelta)
                    {
                        (best, bestDelta) = (s, delta);
                    }
                }
                if (best >= 0)
                {
                    inSet[chosen[best]] = false;
                    chosen[best] = c;
                    inSet[c] = true;
                    swaps++;
                    improved = true;
                    Nearest(p, chosen, d1, d2, a1, removal);
                }
            }
        }
        while (improved);
        return swaps;
    }

    /// <summary>Whether candidate <paramref name="c"/> conflicts with a chosen site other than the one at <paramref name="replaced"/>.</summary>
    private static bool Conflicts(PlacementProblem p, int c, List<int> chosen, int replaced)
    {
        if (p.Conflicts is not { } conflicts || c >= conflicts.Length || conflicts[c].Length == 0)
        {
            return false;
        }
        for (var s = 0; s < chosen.Count; s++)
        {
            if (s != replaced && conflicts[c].Contains(chosen[s]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Per settlement: nearest (d1, by whom: a1, −1 for an existing site) and second-nearest cost; per chosen site the cost of removing it.</summary>
    private static void Nearest(PlacementProblem p, List<int> chosen, double[] d1, double[] d2, int[] a1, double[] removal)
    {
        for (var i = 0; i < p.Settlements; i++)
        {
            (d1[i], d2[i], a1[i]) = (p.Before[i], double.PositiveInfinity, -1);
        }
        for (var s = 0; s < chosen.Count; s++)
        {
            var j = chosen[s];
            for (var x = p.PairStart[j]; x < p.PairStart[j + 1]; x++)
            {
                var i = p.PairSettlement[x];
                var e = p.PairCost[x];
                if (e < d1[i])
                {
                    (d2[i], d1[i], a1[i]) = (d1[i], e, s);
                }
                else if (e < d2[i])
                {
                    d2[i] = e;
                }
            }
        }
        Array.Clear(removal);
        for (var i = 0; i < p.Settlements; i++)
        {
            if (a1[i] >= 0)
            {
                removal[a1[i]] += p.Weight[i] * (d2[i] - d1[i]);
            }
        }
    }

    /// <summary>The final set in greedy order (largest marginal gain first, ties to the lower index), with each gain.</summary>
    private static List<PlacementPick> Order(PlacementProblem p, List<int> chosen)
    {
        var state = new State(p);
        var left = chosen.Order().ToList();
        var picks = new List<PlacementPick>();
        while (left.Count > 0)
        {
            var (bestIndex, bestGain) = (0, double.NegativeInfinity);
            for (var x = 0; x < left.Count; x++)
            {
                var g = state.Gain(left[x]);
                if (g > bestGain)
                {
                    (bestIndex, bestGain) = (x, g);
                }
            }
            var j = left[bestIndex];
            left.RemoveAt(bestIndex);
            state.Add(j);
            picks.Add(new PlacementPick(j, bestGain, state.Value));
        }
        return picks;
    }

    /// <summary>The current cost of every settlement given the sites added so far, and the objective value.</summary>
    private sealed class State
    {
        private readonly PlacementProblem _p;
        private readonly double[] _cost;

        public State(PlacementProblem p)
        {
            _p = p;
            _cost = (double[])p.Before.Clone();
        }

        public double Value { get; private set; }

        public double Gain(int j)
        {
            var g = 0.0;
            for (var x = _p.PairStart[j]; x < _p.PairStart[j + 1]; x++)
            {
                g += Improvement(_p.PairSettlement[x], _p.PairCost[x]);
            }
            return g;
        }

        public void Add(int j)
        {
            for (var x = _p.PairStart[j]; x < _p.PairStart[j + 1]; x++)
            {
                var i = _p.PairSettlement[x];
                var e = _p.PairCost[x];
                Value += Improvement(i, e);
                if (e < _cost[i])
                {
                    _cost[i] = e;
                }
            }
        }

        private double Improvement(int i, double e)
        {
            var now = _cost[i];
            return _p.Objective == PlacementObjective.Coverage
                ? (e <= _p.Target && now > _p.Target ? _p.Weight[i] : 0)
                : (e < now ? _p.Weight[i] * (now - e) : 0);
        }
    }
}
