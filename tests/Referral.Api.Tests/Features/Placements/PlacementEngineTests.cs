using Referral.Api.Features.Placements;

namespace Referral.Api.Tests.Features.Placements;

/// <summary>
/// The placement engine against brute force (every k-subset of up to 20 candidates × 200 settlements, seeded random
/// instances) and against cases worked out by hand. Costs here are plain numbers on a line or a plane: the engine does
/// not know about metres, which the database tests cover.
/// </summary>
public sealed class PlacementEngineTests
{
    private static readonly double Bound = 1 - (1 / Math.E);

    [Theory]
    [InlineData(1, 12, 80, 1)]
    [InlineData(2, 16, 150, 2)]
    [InlineData(3, 20, 200, 3)]
    [InlineData(4, 20, 200, 4)]
    [InlineData(5, 18, 120, 5)]
    [InlineData(6, 20, 200, 2)]
    public void Coverage_Greedy_IsWithinOneMinusOneOverEOfBruteForce(int seed, int candidates, int settlements, int k)
    {
        var p = RandomProblem(seed, candidates, settlements, k, PlacementObjective.Coverage);

        var solution = PlacementEngine.Solve(p);
        var optimum = BruteForce(p);

        Assert.True(solution.Value <= optimum + 1e-9, $"greedy {solution.Value} above the optimum {optimum}");
        Assert.True(solution.Value >= Bound * optimum - 1e-9, $"greedy {solution.Value} below (1 − 1/e) × {optimum}");
        Assert.Equal(solution.Value, PlacementEngine.Value(p, solution.Picks.Select(x => x.Candidate)));
        Assert.Equal(EagerGreedy(p), solution.Picks.Select(x => x.Candidate).ToList());
    }

    [Theory]
    [InlineData(11, 12, 80, 2)]
    [InlineData(12, 16, 150, 3)]
    [InlineData(13, 20, 200, 3)]
    [InlineData(14, 20, 200, 4)]
    public void Median_GreedyPlusInterchange_IsALocalOptimumWithinTheBound(int seed, int candidates, int settlements, int k)
    {
        var p = RandomProblem(seed, candidates, settlements, k, PlacementObjective.Median);

        var solution = PlacementEngine.Solve(p);
        var optimum = BruteForce(p);
        var chosen = solution.Picks.Select(x => x.Candidate).ToList();

        Assert.True(solution.Value <= optimum + 1e-6);
        Assert.True(solution.Value >= solution.GreedyValue - 1e-6, "the interchange never makes it worse");
        Assert.True(solution.GreedyValue >= Bound * optimum - 1e-6);
        Assert.Equal(solution.Value, PlacementEngine.Value(p, chosen), 6);
        // No single swap improves it.
        foreach (var inside in chosen)
        {
            for (var c = 0; c < p.Candidates; c++)
            {
                if (!chosen.Contains(c))
                {
                    var swapped = chosen.Select(x => x == inside ? c : x);
                    Assert.True(PlacementEngine.Value(p, swapped) <= solution.Value + 1e-6, $"swap {inside} → {c} improves");
                }
            }
        }
    }

    [Fact]
    public void Coverage_HandMade_GreedyEqualsOptimum()
    {
        // Settlements (weight): a 100, b 50, c 40, d 30. Candidate 0 reaches a, b; 1 reaches b, c; 2 reaches c, d; 3 reaches d.
        // k = 2: greedy takes 0 (150), then 2 (70) = 220 = the optimum ({0, 2}); target 10, every pair at cost 5.
        var p = Problem([100, 50, 40, 30], [Inf, Inf, Inf, Inf], [[0, 1], [1, 2], [2, 3], [3]], k: 2, target: 10);

        var solution = PlacementEngine.Solve(p);

        Assert.Equal([0, 2], solution.Picks.Select(x => x.Candidate));
        Assert.Equal([150.0, 70.0], solution.Picks.Select(x => x.Gain));
        Assert.Equal([150.0, 220.0], solution.Picks.Select(x => x.Cumulative));
        Assert.Equal(BruteForce(p), solution.Value);
    }

    [Fact]
    public void Median_HandMade_InterchangeReachesTheOptimumGreedyMisses()
    {
        // A line: settlements at 0 (weight 10), 5 (weight 1) and 10 (weight 10); candidates at 0, 5 and 10; today every
        // settlement is 20 away. Greedy takes the middle (saving 10·15 + 1·20 + 10·15 = 320), then 0 (saves 10·5 = 50):
        // cost 50. The optimum {0, 10} costs 1·5 = 5 (saving 415); one swap (5 → 10) gets there.
        var positions = new double[] { 0, 5, 10 };
        var p = Line([10, 1, 10], positions, positions, before: 20, k: 2);

        var solution = PlacementEngine.Solve(p);

        Assert.Equal(370, solution.GreedyValue);
        Assert.Equal(415, solution.Value);
        Assert.Equal(1, solution.Swaps);
        Assert.Equal(BruteForce(p), solution.Value);
        // Reported in greedy order of the final set: 0 saves 10·20 + 1·15 + 10·10 = 315, then 10 saves 10·10 = 100.
        Assert.Equal([0, 2], solution.Picks.Select(x => x.Candidate));
        Assert.Equal([315.0, 100.0], solution.Picks.Select(x => x.Gain));
    }

    [Fact]
    public void Median_HandMade_ThreeClusters_ReachesOptimum()
    {
        // Three pairs of settlements; candidates at each cluster's middle and between clusters. k = 3 must pick one per cluster.
        var settlements = new double[] { 0, 2, 50, 52, 100, 102 };
        var candidates = new double[] { 1, 26, 51, 76, 101 };
        var p = Line([5, 5, 3, 3, 4, 4], settlements, candidates, before: 200, k: 3);

        var solution = PlacementEngine.Solve(p);

        Assert.Equal(BruteForce(p), solution.Value, 9);
        Assert.Equal([0, 2, 4], solution.Picks.Select(x => x.Candidate).Order());
    }

    [Fact]
    public void Ties_GoToTheLowerCandidateIndex_InLazyAndPlainGreedyAlike()
    {
        // Four identical candidates reaching the same settlement, and two others reaching one settlement each with the
        // same weight: the first pick is candidate 0 (lowest of the tied), then 4 (4 and 5 tie at 7).
        var p = Problem([7, 7, 7], [Inf, Inf, Inf], [[0], [0], [0], [0], [1], [2]], k: 3, target: 10);

        var solution = PlacementEngine.Solve(p);

        Assert.Equal([0, 4, 5], solution.Picks.Select(x => x.Candidate));
        Assert.Equal(EagerGreedy(p), solution.Picks.Select(x => x.Candidate).ToList());
        Assert.Equal(solution.Picks.Select(x => x.Candidate), PlacementEngine.Solve(p).Picks.Select(x => x.Candidate));
    }

    [Fact]
    public void CandidateAtAnExistingSite_AddsNothing()
    {
        // Candidate 0 stands where an existing site is: every settlement it reaches is already that close (cost = before).
        // Coverage: they are covered already. Median: nothing is saved. Either way it is never picked.
        var before = new double[] { 3, 8, 12 };
        var coverage = new PlacementProblem
        {
            Weight = [10, 20, 30],
            Before = before,
            PairStart = [0, 3, 4],
            PairSettlement = [0, 1, 2, 2],
            PairCost = [3, 8, 12, 14],
            K = 2,
            Objective = PlacementObjective.Coverage,
            Target = 10,
        };
        var median = new PlacementProblem
        {
            Weight = coverage.Weight,
            Before = before,
            PairStart = coverage.PairStart,
            PairSettlement = coverage.PairSettlement,
            PairCost = coverage.PairCost,
            K = 2,
            Objective = PlacementObjective.Median,
        };

        var c = PlacementEngine.Solve(coverage);
        var m = PlacementEngine.Solve(median);

        Assert.Empty(c.Picks);
        Assert.True(c.StoppedEarly);
        Assert.Empty(m.Picks);
        Assert.Equal(0, PlacementEngine.Value(coverage, [0]));
        Assert.Equal(0, PlacementEngine.Value(median, [0]));
    }

    [Fact]
    public void Coverage_AlreadyCoveredSettlements_CountNothing_AndTheTargetIncludesItsBoundary()
    {
        // Settlement 0 (weight 100) is covered today (cost 9 ≤ 10); settlement 1 (weight 5) is not (11). Candidate 0 reaches
        // both at exactly 10 (the boundary counts as covered): it adds 5, not 105.
        var p = new PlacementProblem
        {
            Weight = [100, 5],
            Before = [9, 11],
            PairStart = [0, 2],
            PairSettlement = [0, 1],
            PairCost = [10, 10],
            K = 1,
            Objective = PlacementObjective.Coverage,
            Target = 10,
        };

        var solution = PlacementEngine.Solve(p);

        Assert.Equal(5, solution.Value);
    }

    [Fact]
    public void MinimumSpacing_SkipsACandidateTooCloseToAChosenOne()
    {
        // Candidate 0 reaches weights 50 + 40; 1 reaches 40 + 30 (70) but lies too close to 0; 2 reaches 20.
        // Without spacing: 0 then 1 (adds 30). With 0–1 in conflict: 0 then 2 (adds 20).
        var pairs = new[] { new[] { 0, 1 }, [1, 2], [3] };
        var free = Problem([50, 40, 30, 20], [Inf, Inf, Inf, Inf], pairs, k: 2, target: 10);
        var spaced = Problem([50, 40, 30, 20], [Inf, Inf, Inf, Inf], pairs, k: 2, target: 10, conflicts: [[1], [0], []]);

        Assert.Equal([0, 1], PlacementEngine.Solve(free).Picks.Select(x => x.Candidate));
        var solution = PlacementEngine.Solve(spaced);
        Assert.Equal([0, 2], solution.Picks.Select(x => x.Candidate));
        Assert.Equal(110, solution.Value);
        Assert.Equal(110, BruteForce(spaced));
    }

    [Fact]
    public void Median_MinimumSpacing_HoldsThroughTheInterchange()
    {
        // As the hand-made median case, but candidates 0 and 2 (at 0 and 10) may not both open: the best allowed pair is
        // {0, 5} or {5, 10}; {0, 10} — the unconstrained optimum — must not appear.
        var positions = new double[] { 0, 5, 10 };
        var line = Line([10, 1, 10], positions, positions, before: 20, k: 2);
        var p = new PlacementProblem
        {
            Weight = line.Weight,
            Before = line.Before,
            PairStart = line.PairStart,
            PairSettlement = line.PairSettlement,
            PairCost = line.PairCost,
            K = 2,
            Objective = PlacementObjective.Median,
            Conflicts = [[2], [], [0]],
        };

        var solution = PlacementEngine.Solve(p);

        Assert.Equal([0, 1], solution.Picks.Select(x => x.Candidate).Order());
        Assert.Equal(BruteForce(p), solution.Value);
    }

    [Fact]
    public void StopsEarly_WhenFewerThanKSitesAddAnything()
    {
        var p = Problem([10, 20], [Inf, Inf], [[0], [1], [0, 1]], k: 5, target: 10);

        var solution = PlacementEngine.Solve(p);

        Assert.Equal([2], solution.Picks.Select(x => x.Candidate));
        Assert.True(solution.StoppedEarly);
        Assert.Equal(30, solution.Value);
    }

    private const double Inf = double.PositiveInfinity;

    /// <summary>Coverage problem where every listed pair costs 5.</summary>
    private static PlacementProblem Problem(double[] weight, double[] before, int[][] reach, int k, double target, int[][]? conflicts = null)
    {
        var start = new List<int> { 0 };
        foreach (var r in reach)
        {
            start.Add(start[^1] + r.Length);
        }
        return new PlacementProblem
        {
            Weight = weight,
            Before = before,
            PairStart = [.. start],
            PairSettlement = [.. reach.SelectMany(r => r)],
            PairCost = [.. reach.SelectMany(r => r.Select(_ => 5.0))],
            K = k,
            Objective = PlacementObjective.Coverage,
            Target = target,
            Conflicts = conflicts,
        };
    }

    /// <summary>Median problem on a line: every candidate reaches every settlement at |x − y|.</summary>
    private static PlacementProblem Line(double[] weight, double[] settlements, double[] candidates, double before, int k)
    {
        var start = new List<int> { 0 };
        var (who, cost) = (new List<int>(), new List<double>());
        foreach (var c in candidates)
        {
            for (var i = 0; i < settlements.Length; i++)
            {
                who.Add(i);
                cost.Add(Math.Abs(c - settlements[i]));
            }
            start.Add(who.Count);
        }
        return new PlacementProblem
        {
            Weight = weight,
            Before = [.. settlements.Select(_ => before)],
            PairStart = [.. start],
            PairSettlement = [.. who],
            PairCost = [.. cost],
            K = k,
            Objective = PlacementObjective.Median,
        };
    }

    /// <summary>Random instance in a 100 × 100 square: existing sites give today's costs, candidates reach within 20.</summary>
    private static PlacementProblem RandomProblem(int seed, int candidates, int settlements, int k, PlacementObjective objective)
    {
        var random = new Random(seed);
        var points = Enumerable.Range(0, settlements).Select(_ => (X: random.NextDouble() * 100, Y: random.NextDouble() * 100)).ToArray();
        var weight = points.Select(_ => (double)random.Next(0, 1000)).ToArray();
        var existing = Enumerable.Range(0, 3).Select(_ => (X: random.NextDouble() * 100, Y: random.NextDouble() * 100)).ToArray();
        var before = points.Select(s => Math.Min(60, existing.Min(e => Math.Round(Dist(s, e), 1)))).ToArray();
        var start = new List<int> { 0 };
        var (who, cost) = (new List<int>(), new List<double>());
        for (var c = 0; c < candidates; c++)
        {
            var at = (X: random.NextDouble() * 100, Y: random.NextDouble() * 100);
            for (var i = 0; i < settlements; i++)
            {
                var d = Math.Round(Dist(at, points[i]), 1);
                if (d <= 20 && (objective == PlacementObjective.Median ? d < before[i] : before[i] > 15))
                {
                    who.Add(i);
                    cost.Add(d);
                }
            }
            start.Add(who.Count);
        }
        return new PlacementProblem
        {
            Weight = weight,
            Before = before,
            PairStart = [.. start],
            PairSettlement = [.. who],
            PairCost = [.. cost],
            K = k,
            Objective = objective,
            Target = 15,
        };
    }

    private static double Dist((double X, double Y) a, (double X, double Y) b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));

    /// <summary>The best value over every subset of at most k candidates that respects the conflicts.</summary>
    private static double BruteForce(PlacementProblem p)
    {
        var best = 0.0;
        void Walk(int from, List<int> set)
        {
            best = Math.Max(best, PlacementEngine.Value(p, set));
            if (set.Count == p.K)
            {
                return;
            }
            for (var c = from; c < p.Candidates; c++)
            {
                if (p.Conflicts is { } conflicts && set.Any(s => conflicts[c].Contains(s)))
                {
                    continue;
                }
                set.Add(c);
                Walk(c + 1, set);
                set.RemoveAt(set.Count - 1);
            }
        }
        Walk(0, []);
        return best;
    }

    /// <summary>The plain greedy: every candidate evaluated every round; largest gain, ties to the lower index.</summary>
    private static List<int> EagerGreedy(PlacementProblem p)
    {
        var chosen = new List<int>();
        while (chosen.Count < p.K)
        {
            var now = PlacementEngine.Value(p, chosen);
            var (best, bestGain) = (-1, 0.0);
            for (var c = 0; c < p.Candidates; c++)
            {
                if (chosen.Contains(c))
                {
                    continue;
                }
                var gain = PlacementEngine.Value(p, [.. chosen, c]) - now;
                if (gain > bestGain)
                {
                    (best, bestGain) = (c, gain);
                }
            }
            if (best < 0)
            {
                break;
            }
            chosen.Add(best);
        }
        return chosen;
    }
}
