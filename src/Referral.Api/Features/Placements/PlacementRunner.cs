using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.Jobs;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Placements;

/// <summary>
/// Computes one placement: (1) its "before" is a gap analysis of the dataset for the one category with the same shared
/// options — run now, or reused when one with the same inputs exists — so existing sites count exactly as the gap
/// analysis counts them (active, in-person, physical locations as the public sees them, child profile); (2) candidates
/// and the candidate × settlement pairs within reach from PostGIS; (3) the engine (<see cref="PlacementEngine"/>);
/// (4) the chosen sites' exact distances to every settlement, and the figures before and after each pick.
/// </summary>
internal sealed class PlacementRunner(
    ReferralDbContext db, GapService gaps, GapQueries gapQueries, JobStore<Placement> jobs, IConfiguration configuration, ILogger<PlacementRunner> logger)
{
    /// <summary>
    /// Runs a placement this instance has claimed (<paramref name="lease"/>) to the end. A shutdown puts it back in the
    /// queue; losing the claim (cancelled, or resumed elsewhere) stops it without writing.
    /// </summary>
    public async Task RunAsync(Guid placementId, JobLease lease, IProgress<GapProgress>? observer, CancellationToken shutdown)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown, lease.Token);
        var ct = stop.Token;
        var placement = await db.Placements.AsNoTracking().FirstOrDefaultAsync(p => p.Id == placementId, shutdown);
        if (placement is null || placement.Status != JobStatus.Running || placement.ClaimedBy != lease.Owner)
        {
            return;
        }
        var watch = Stopwatch.StartNew();
        try
        {
            var options = JsonSerializer.Deserialize<PlacementOptions>(placement.Options, JsonSetup.Options)!;
            async Task StageAsync(int percent, string stage)
            {
                observer?.Report(new GapProgress(percent, stage));
                await jobs.Held(placementId, lease).ExecuteUpdateAsync(u => u
                    .SetProperty(p => p.ProgressPercent, percent).SetProperty(p => p.Stage, stage), ct);
            }

            await StageAsync(1, "before: gap analysis of the category");
            var before = await BeforeAsync(placement.DatasetId, options, observer, ct);
            await jobs.Held(placementId, lease).ExecuteUpdateAsync(u => u.SetProperty(p => p.GapAnalysisId, before.Id), ct);
            var results = await ComputeAsync(options, before, StageAsync, ct);
            var json = JsonSerializer.Serialize(results, JsonSetup.Options);
            if (!await jobs.SucceedAsync(placementId, lease, json, ct))
            {
                return;
            }
            observer?.Report(new GapProgress(100, "done"));
            logger.LogInformation("Placement {PlacementId} finished: {Candidates} candidates, {Chosen} sites in {Seconds:0.0} s",
                placementId, results.Totals.Candidates, results.Totals.Chosen, watch.Elapsed.TotalSeconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(ex, "Placement {PlacementId} failed", placementId);
            var message = ex switch
            {
                PlacementException p => p.Message,
                NpgsqlException { IsTransient: true } => "The database was not reachable; start the placement again.",
                _ => "The placement failed; the server log has the details.",
            };
            await jobs.FailAsync(placementId, lease, message);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            await jobs.RequeueAsync(placementId, lease);
            throw;
        }
        catch (OperationCanceledException)
        {
            // The claim was lost (cancelled, or taken over): nothing to write.
        }
    }

    /// <summary>The finished gap analysis that gives the "before": reused when the same inputs were analysed, else run now.</summary>
    private async Task<GapAnalysisDocument> BeforeAsync(Guid datasetId, PlacementOptions options, IProgress<GapProgress>? observer, CancellationToken ct)
    {
        var scaled = observer is null ? null : new Progress<GapProgress>(g => observer.Report(new GapProgress(1 + (g.Percent * 49 / 100), "before: " + g.Stage)));
        var start = await gaps.StartAsync(PlacementOptionsParser.BeforeRequest(options, datasetId), GapRunMode.Inline, scaled, ct);
        if (start.Status == GapStartStatus.Invalid)
        {
            throw new PlacementException("The gap analysis for the 'before' figures could not start: " +
                string.Join(" ", start.Errors!.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }
        if (start.Status == GapStartStatus.TooMany)
        {
            throw new PlacementException("The gap analysis for the 'before' figures could not start: " + start.Detail);
        }
        var analysis = start.Analysis!;
        // Another request is computing the same analysis: wait for it rather than compute it twice.
        for (var waited = 0; analysis.Status is GapAnalysis.Queued or GapAnalysis.Running && waited < 3600; waited++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            analysis = await gapQueries.FindAsync(analysis.Id, withResults: true, ct) ?? analysis;
        }
        return analysis.Status == GapAnalysis.Succeeded && analysis.Results is not null
            ? analysis
            : throw new PlacementException($"The gap analysis for the 'before' figures ({analysis.Id}) is {analysis.Status}: {analysis.Error}");
    }

    private async Task<PlacementResults> ComputeAsync(PlacementOptions o, GapAnalysisDocument gap, Func<int, string, Task> stage, CancellationToken ct)
    {
        var connectionString = DataSetup.WithSessionSettings(DataSetup.ConnectionString(configuration));
        await using var session = await PlacementSession.OpenAsync(connectionString, ct);
        await stage(50, "settlements");
        var demand = await session.LoadDemandAsync(gap.Id, o.TravelTime, ct);
        var s = demand.Settlements;
        var n = s.Count;
        var travel = o.TravelTime is not null;
        var median = o.Objective == PlacementVocabulary.Median;
        var factor = travel ? s.MinutesPerMetre : [.. Enumerable.Repeat(1.0, n)];
        var target = travel ? o.TargetMinutes!.Value : o.TargetKm * 1000;
        var reachM = o.ReachKm * 1000;

        // Today's cost per settlement; p-median needs a finite one, so "no site at all" counts as reach_km away.
        var beforeCost = new double[n];
        var (helpIdx, helpLimit) = (new List<int>(), new List<double>());
        for (var i = 0; i < n; i++)
        {
            var d = demand.BeforeM[i];
            beforeCost[i] = double.IsNaN(d) ? (median ? reachM * factor[i] : double.PositiveInfinity) : d * factor[i];
            if (s.Weight[i] <= 0)
            {
                continue;
            }
            if (median)
            {
                helpIdx.Add(i);
                helpLimit.Add(reachM);
            }
            else if (beforeCost[i] > target)
            {
                helpIdx.Add(i);
                helpLimit.Add(target / factor[i]);
            }
        }
        var maxLimit = helpLimit.Count == 0 ? 0 : helpLimit.Max();
        await session.SetReachAsync([.. helpIdx], [.. helpLimit], ct);

        await stage(55, "candidates");
        var (candidates, candidateCount) = await session.CandidatesAsync(o, maxLimit, ct);
        await stage(60, "candidate × settlement pairs within reach");
        var (start, who, metres) = await session.PairsAsync(candidates, maxLimit, ct);
        var cost = new double[metres.Length];
        for (var x = 0; x < metres.Length; x++)
        {
            cost[x] = metres[x] * factor[who[x]];
        }
        var useful = Enumerable.Range(0, candidates).Where(j => start[j + 1] > start[j]).ToArray();
        int[][]? conflicts = null;
        if (o.MinSpacingKm > 0 && useful.Length > 0)
        {
            await stage(70, "minimum spacing");
            conflicts = await session.ConflictsAsync(candidates, useful, o.MinSpacingKm * 1000, ct);
        }

        await stage(75, median ? "choosing: greedy, then Teitz–Bart interchange" : "choosing: lazy greedy");
        var problem = new PlacementProblem
        {
            Weight = s.Weight,
            Before = beforeCost,
            PairStart = start,
            PairSettlement = who,
            PairCost = cost,
            Conflicts = conflicts,
            K = o.K,
            Objective = median ? PlacementObjective.Median : PlacementObjective.Coverage,
            Target = target,
        };
        var solution = await Task.Run(() => PlacementEngine.Solve(problem, ct), ct);
        var chosen = solution.Picks.Select(p => p.Candidate).ToArray();

        await stage(90, "figures before and after");
        var after = await session.AfterAsync(chosen, ct);
        var info = await session.DescribeAsync(chosen, ct);
        var current = (double[])demand.BeforeM.Clone();
        var byRank = after.ToLookup(a => a.Rank);
        var sites = new List<PlacementSite>();
        // Gains in people (coverage), or in population-weighted km (minutes with the travel-time option).
        var unit = median ? (travel ? 1.0 : 1 / 1000.0) : 1.0;
        for (var r = 0; r < chosen.Length; r++)
        {
            foreach (var (i, _, m) in byRank[r])
            {
                if (double.IsNaN(current[i]) || m < current[i])
                {
                    current[i] = m;
                }
            }
            var side = PlacementFigures.Side(s, current, o.ThresholdsKm, o.TargetKm, o.TargetMinutes);
            var c = info[r];
            sites.Add(new PlacementSite(r + 1, c.Name, c.Latitude, c.Longitude, c.Source, c.DemandPointId, c.RegionCode, c.SettlementClass,
                Math.Round(solution.Picks[r].Gain * unit, 1), Math.Round(solution.Picks[r].Cumulative * unit, 1),
                new PlacementStep(side.All.ServedShare, side.Urban.ServedShare, side.Rural.ServedShare,
                    side.All.MeanDistanceM, side.Urban.MeanDistanceM, side.Rural.MeanDistanceM)));
        }
        var beforeSide = PlacementFigures.Side(s, demand.BeforeM, o.ThresholdsKm, o.TargetKm, o.TargetMinutes);
        var afterSide = PlacementFigures.Side(s, current, o.ThresholdsKm, o.TargetKm, o.TargetMinutes);
        var byPopulation = gap.Results!.Totals.Weighting == "population";
        var totals = new PlacementTotals(
            n, gap.Results.Totals.Population, byPopulation ? "population" : "settlements", candidateCount,
            useful.Length, who.Length, chosen.Length, solution.StoppedEarly,
            Math.Round(solution.Value * unit, 1), Math.Round(solution.GreedyValue * unit, 1), solution.Swaps, solution.Evaluations);
        return new PlacementResults(
            PlacementRulesText.For(o, gap, totals), totals, sites, beforeSide, afterSide, PlacementRulesText.Headline(o, gap, sites, beforeSide, afterSide));
    }
}

/// <summary>A placement cannot go on for a reason the planner should read (stored as its error).</summary>
internal sealed class PlacementException(string message) : Exception(message);

/// <summary>Number formatting shared by the placement's texts.</summary>
internal static class PlacementText
{
    public static string I(FormattableString text) => FormattableString.Invariant(text);

    public static string Km(double? metres) => GapAggregator.Km(metres);

    public static string Percent(double? share) => GapAggregator.Percent(share);

    public static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
