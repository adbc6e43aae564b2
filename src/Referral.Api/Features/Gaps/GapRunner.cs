using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Jobs;
using Referral.Api.Features.Referrals;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

internal sealed record GapProgress(int Percent, string Stage);

/// <summary>
/// Computes one analysis on <see cref="GapSettings.EffectiveWorkers"/> connections: ranges of settlements (nearest sites
/// and coverage, set-based SQL in PostGIS), the 2SFCA (SQL slices in exact mode; in memory from cell sums in grid mode,
/// see <see cref="GapGridFca"/>) and the service allocation run side by side, then the aggregation (in memory from the
/// settlements' rows, see <see cref="GapAggregator"/>). Progress goes to the analysis row about once a second; a failure
/// marks the analysis failed; a shutdown puts it back in the queue, and the next start resumes it.
/// </summary>
internal sealed class GapRunner(
    ReferralDbContext db, CategoryCatalog catalog, IOptions<GapSettings> settings, TimeProvider clock, IConfiguration configuration,
    JobCancellations cancellations, JobStore<GapAnalysis> jobs, ILogger<GapRunner> logger)
{
    /// <summary>The error of an analysis its owner (or the disconnect of the client that ran it inline) cancelled.</summary>
    public const string CancelledError = "Cancelled before it finished (by its owner, or because the client that started it went away).";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs an analysis this instance has claimed (<paramref name="lease"/>: from the worker's queue, or inline) to the
    /// end; does nothing when it no longer exists or is already done. <paramref name="shutdown"/> puts it back in the
    /// queue; <paramref name="cancel"/> (the inline caller went away), a cancel request (<see cref="JobCancellations"/>
    /// here, or the lost claim when it was cancelled through another instance) ends it as failed.
    /// </summary>
    public async Task RunAsync(Guid analysisId, JobLease lease, IProgress<GapProgress>? observer, CancellationToken shutdown, CancellationToken cancel = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown, cancel, lease.Token);
        using var registration = cancellations.Register(analysisId, stop.Token);
        var ct = registration.Token;
        var analysis = await db.GapAnalyses.AsNoTracking().FirstOrDefaultAsync(a => a.Id == analysisId, shutdown);
        if (analysis is null || analysis.Status is not GapAnalysis.Running || analysis.ClaimedBy != lease.Owner)
        {
            return;
        }
        var watch = Stopwatch.StartNew();
        // The configured string (with its password): EF's own copy loses the password once a connection has opened.
        var connectionString = DataSetup.WithSessionSettings(DataSetup.ConnectionString(configuration));
        await using var reporter = new ProgressReporter(connectionString, analysisId, observer);
        try
        {
            reporter.Stage("preparing");
            var options = JsonSerializer.Deserialize<GapOptions>(analysis.Options, JsonSetup.Options)!;
            var plan = await PlanAsync(analysis, options, connectionString, ct);
            var results = await ComputeAsync(plan, reporter, ct);
            var json = JsonSerializer.Serialize(results, JsonSetup.Options);
            await jobs.Held(analysisId, lease).ExecuteUpdateAsync(u => u.SetProperty(a => a.Settlements, plan.Settlements), ct);
            if (!await jobs.SucceedAsync(analysisId, lease, json, ct))
            {
                // Cancelled elsewhere at the last moment: its rows go with it.
                await CleanAsync(analysisId, CancellationToken.None);
                return;
            }
            reporter.Done();
            logger.LogInformation("Gap analysis {AnalysisId} finished: {Settlements} settlements × {Categories} categories in {Seconds:0.0} s",
                analysisId, plan.Settlements, plan.Categories.Count, watch.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && !shutdown.IsCancellationRequested)
        {
            logger.LogInformation("Gap analysis {AnalysisId} cancelled", analysisId);
            await FailAsync(analysisId, lease, CancelledError);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(ex, "Gap analysis {AnalysisId} failed", analysisId);
            await FailAsync(analysisId, lease, ex is NpgsqlException { IsTransient: true }
                ? "The database was not reachable; start the analysis again."
                : "The analysis failed; the server log has the details.");
        }
        catch (OperationCanceledException)
        {
            await RequeueAsync(analysisId, lease);
            throw;
        }
    }

    /// <summary>Stopped by a shutdown: back to the queue, without partial rows (a worker resumes it).</summary>
    private async Task RequeueAsync(Guid analysisId, JobLease lease)
    {
        try
        {
            await CleanAsync(analysisId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Could not clean gap analysis {AnalysisId}", analysisId);
        }
        await jobs.RequeueAsync(analysisId, lease);
    }

    private async Task FailAsync(Guid analysisId, JobLease lease, string message)
    {
        try
        {
            await CleanAsync(analysisId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Could not clean gap analysis {AnalysisId}", analysisId);
        }
        await jobs.FailAsync(analysisId, lease, message);
    }

    private async Task CleanAsync(Guid analysisId, CancellationToken ct)
    {
        await db.GapPointResults.Where(r => r.AnalysisId == analysisId).ExecuteDeleteAsync(ct);
        await db.GapCellAccess.Where(r => r.AnalysisId == analysisId).ExecuteDeleteAsync(ct);
    }

    private async Task<GapPlan> PlanAsync(GapAnalysis analysis, GapOptions options, string connectionString, CancellationToken ct)
    {
        await CleanAsync(analysis.Id, ct);
        var labels = await catalog.GetAsync(ct);
        var categories = new List<GapCategoryInput>();
        foreach (var code in options.Categories)
        {
            // The shared eligibility rules (active, category, child profile) — the same as the nearest-service search.
            var filter = new ServiceFilter { Categories = [code], Age = options.Age, Language = options.Language, Gender = options.Gender, At = clock.GetUtcNow() };
            var services = await db.Services.AsNoTracking().Eligible(filter)
                .Select(s => new
                {
                    s.Id,
                    InPerson = s.DeliveryModes.Length == 0 || s.DeliveryModes.Contains("in_person") || s.DeliveryModes.Contains("outreach"),
                })
                .ToListAsync(ct);
            categories.Add(new GapCategoryInput(code, labels.TryGetValue(code, out var info) ? info.Label("en") : code, options.IsArea(code),
                [.. services.Where(s => s.InPerson).Select(s => s.Id)], [.. services.Select(s => s.Id)]));
        }
        // The dataset's region codes in the directory's scheme (CR.08 → CR-SJ, KEN → KE); unknown ones count by their point only.
        var regionCodes = await Regions.RegionCodes.LoadAsync(db, ct);
        var used = await db.DemandPoints.AsNoTracking()
            .Where(p => p.DatasetId == analysis.DatasetId && p.RegionCode != null)
            .GroupBy(p => p.RegionCode!)
            .Select(g => new { Code = g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var u in used)
        {
            if (regionCodes.Resolve(u.Code) is { } code)
            {
                map[u.Code] = code;
            }
        }
        var codeReport = regionCodes.Check(used.SelectMany(u => Enumerable.Repeat<string?>(u.Code, u.Count)));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*)::int, count(population)::int, coalesce(min(seq), 0), coalesce(max(seq), -1) FROM demand_point WHERE dataset_id = @dataset",
            connection);
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("dataset", analysis.DatasetId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new GapPlan(analysis.Id, analysis.DatasetId, connectionString, options, categories,
            reader.GetInt32(0), reader.GetInt64(2), reader.GetInt64(3), ByPopulation: reader.GetInt32(1) > 0, map, codeReport);
    }

    private async Task<GapResults> ComputeAsync(GapPlan plan, ProgressReporter reporter, CancellationToken ct)
    {
        var k = plan.Categories.Count;
        var work = (double)Math.Max(1, plan.Settlements) * k;
        var fcaShare = !plan.ByPopulation ? 0 : plan.CellDegrees > 0 ? 0.05 : 0.6;
        reporter.Total = work * (1 + fcaShare + 0.25);

        var bounds = await ChunkBoundsAsync(plan, ct);
        var workers = Math.Max(1, Math.Min(settings.Value.EffectiveWorkers, bounds.Count + (plan.ByPopulation ? 2 : 0)));
        var sessions = new List<GapSession>();
        try
        {
            // Each session copies the sites into its own tables: the connections do that side by side.
            var opening = Enumerable.Range(0, workers).Select(_ => GapSession.OpenAsync(plan, ct)).ToList();
            try
            {
                await Task.WhenAll(opening);
            }
            finally
            {
                sessions.AddRange(opening.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }
            reporter.Stage(plan.ByPopulation ? "nearest sites, coverage and 2SFCA" : "nearest sites and coverage");
            var tasks = new List<Func<GapSession, CancellationToken, Task>>();
            if (plan.ByPopulation)
            {
                // Longest first: the 2SFCA runs beside the distance chunks. Exact mode is set-based SQL in slices of supply
                // units spread over every connection; grid mode is one in-memory task (GapGridFca) on one connection.
                var parts = plan.CellDegrees > 0 ? 1 : 2 * workers;
                tasks.AddRange(Enumerable.Range(0, parts).Select(part => (Func<GapSession, CancellationToken, Task>)(async (s, t) =>
                {
                    var watch = Stopwatch.StartNew();
                    await s.FcaAsync(part, parts, t);
                    reporter.Add(work * fcaShare / parts);
                    logger.LogDebug("2SFCA slice {Part}/{Parts} in {Seconds:0.00} s", part + 1, parts, watch.Elapsed.TotalSeconds);
                })));
            }
            for (var i = 0; i + 1 < bounds.Count; i++)
            {
                var (lo, hi) = (bounds[i], bounds[i + 1]);
                tasks.Add(async (s, t) =>
                {
                    var watch = Stopwatch.StartNew();
                    var rows = await s.DistancesAsync(lo, hi, t);
                    reporter.Add((double)rows * k);
                    logger.LogDebug("Distances for {Rows} settlements in {Seconds:0.00} s", rows, watch.Elapsed.TotalSeconds);
                });
            }
            // Where each site is counted (services per 100,000) needs no distances: it runs beside them.
            var allocations = new List<GapAllocation>();
            tasks.Insert(0, async (s, t) =>
            {
                var watch = Stopwatch.StartNew();
                allocations.AddRange(await s.AllocateAsync(t));
                reporter.Add(work * 0.1);
                logger.LogDebug("Allocation of {Sites} sites in {Seconds:0.00} s", allocations.Count, watch.Elapsed.TotalSeconds);
            });
            var phase = Stopwatch.StartNew();
            await RunAllAsync(sessions, tasks, ct);
            logger.LogInformation("Gap analysis {AnalysisId}: distances, 2SFCA and allocation on {Workers} connections in {Seconds:0.0} s",
                plan.AnalysisId, workers, phase.Elapsed.TotalSeconds);

            reporter.Stage("aggregating");
            phase.Restart();
            var main = sessions[0];
            // Fresh statistics for the rows just written: with stale ones the planner may take a large join for a tiny one.
            await main.ExecuteAsync("ANALYZE gap_point_result; ANALYZE gap_cell_access;", ct);
            var totals = await main.SiteTotalsAsync(ct);
            var results = await GapAggregator.AggregateAsync(main, sessions.Count > 1 ? sessions[1] : null, plan, allocations, totals, ct);
            logger.LogInformation("Gap analysis {AnalysisId}: aggregation in {Seconds:0.0} s", plan.AnalysisId, phase.Elapsed.TotalSeconds);
            return results;
        }
        finally
        {
            foreach (var s in sessions)
            {
                await s.DisposeAsync();
            }
        }
    }

    /// <summary>Seq boundaries that split the dataset into chunks of about ChunkSize settlements (last bound exclusive).</summary>
    private async Task<List<long>> ChunkBoundsAsync(GapPlan plan, CancellationToken ct)
    {
        var starts = new List<long>();
        if (plan.Settlements > 0)
        {
            await using var connection = new NpgsqlConnection(plan.ConnectionString);
            await connection.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("""
                SELECT seq FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM demand_point WHERE dataset_id = @dataset) q
                WHERE (n - 1) % @size = 0 ORDER BY seq
                """, connection);
            cmd.Parameters.Add(new NpgsqlParameter<Guid>("dataset", plan.DatasetId));
            cmd.Parameters.Add(new NpgsqlParameter<long>("size", settings.Value.ChunkSize));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                starts.Add(reader.GetInt64(0));
            }
        }
        starts.Add(plan.MaxSeq + 1);
        return starts;
    }

    /// <summary>Runs the tasks on the sessions, each session one task at a time; the first failure cancels the rest and is rethrown.</summary>
    private static async Task RunAllAsync(List<GapSession> sessions, List<Func<GapSession, CancellationToken, Task>> tasks, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var next = -1;
        Exception? first = null;
        async Task LoopAsync(GapSession session)
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < tasks.Count && !linked.IsCancellationRequested)
            {
                try
                {
                    await tasks[i](session, linked.Token);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref first, ex, null);
                    await linked.CancelAsync();
                    return;
                }
            }
        }
        await Task.WhenAll(sessions.Select(LoopAsync));
        if (first is not null)
        {
            // The failure that stopped the others, not the cancellations it caused.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Writes progress to the analysis row (at most once a second) and to the caller's observer (the CLI's bar).</summary>
    private sealed class ProgressReporter(string connectionString, Guid analysisId, IProgress<GapProgress>? observer) : IAsyncDisposable
    {
        private readonly Lock _lock = new();
        private readonly CancellationTokenSource _stop = new();
        private double _done;
        private string _stage = "queued";
        private Task? _loop;

        public double Total { get; set; } = 1;

        public void Stage(string stage)
        {
            lock (_lock)
            {
                _stage = stage;
            }
            _loop ??= Task.Run(LoopAsync);
            observer?.Report(Snapshot());
        }

        public void Add(double units)
        {
            lock (_lock)
            {
                _done += units;
            }
            observer?.Report(Snapshot());
        }

        public void Done()
        {
            lock (_lock)
            {
                _done = Total;
                _stage = "done";
            }
            observer?.Report(new GapProgress(100, "done"));
        }

        private GapProgress Snapshot()
        {
            lock (_lock)
            {
                return new GapProgress((int)Math.Clamp(Math.Floor(_done / Math.Max(Total, 1) * 100), 0, 99), _stage);
            }
        }

        private async Task LoopAsync()
        {
            var last = new GapProgress(-1, "");
            using var timer = new PeriodicTimer(ProgressInterval);
            try
            {
                do
                {
                    var now = Snapshot();
                    if (now == last)
                    {
                        continue;
                    }
                    await using var connection = new NpgsqlConnection(connectionString);
                    await connection.OpenAsync(_stop.Token);
                    await using var cmd = new NpgsqlCommand(
                        "UPDATE gap_analysis SET progress_percent = @p, stage = @s WHERE id = @id AND status = 'running'", connection);
                    cmd.Parameters.Add(new NpgsqlParameter<int>("p", now.Percent));
                    cmd.Parameters.Add(new NpgsqlParameter<string>("s", now.Stage));
                    cmd.Parameters.Add(new NpgsqlParameter<Guid>("id", analysisId));
                    await cmd.ExecuteNonQueryAsync(_stop.Token);
                    last = now;
                }
                while (await timer.WaitForNextTickAsync(_stop.Token));
            }
            catch (OperationCanceledException)
            {
                // Stopped: the final status is written by the runner.
            }
            catch (NpgsqlException)
            {
                // Progress is best effort; the runner reports real failures.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_loop is not null)
            {
                await _loop;
            }
            _stop.Dispose();
        }
    }
}
