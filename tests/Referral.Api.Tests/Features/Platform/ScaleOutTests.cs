using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Jobs;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>
/// Two API instances on one database (issue 17): every queued job (gap analysis, placement) runs exactly once across
/// them, a job whose instance died is resumed exactly once and a job another live instance holds is left alone, and
/// a cached catalog changed through one instance is fresh in the other at once (LISTEN/NOTIFY), not a minute later.
/// </summary>
public sealed class ScaleOutTests : IAsyncLifetime, IDisposable
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        // A short lease so that a dead instance's job is resumed within the test (renewed every third of it: 6 s
        // leaves a loaded machine two seconds per renewal); workers poll every second.
        ["Jobs:LeaseSeconds"] = "6",
        ["Jobs:PollSeconds"] = "1",
        ["Gaps:MaxActivePerOwner"] = "50",
    };

    private readonly ReferralApiFactory _a = new();
    private ReferralApiFactory? _b;

    public void Dispose()
    {
        _b?.Dispose();
        _a.Dispose();
    }

    public async Task InitializeAsync()
    {
        foreach (var (k, v) in Settings)
        {
            _a.Settings[k] = v;
        }
        await ((IAsyncLifetime)_a).InitializeAsync();
        _b = new ReferralApiFactory(_a);
        foreach (var (k, v) in Settings)
        {
            _b.Settings[k] = v;
        }
        await ((IAsyncLifetime)_b).InitializeAsync();
        await TestData.EnsureCategoriesAsync(_a);
        await _a.Services.GetRequiredService<DbNotifications>().Listening;
        await _b.Services.GetRequiredService<DbNotifications>().Listening;
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_b!).DisposeAsync();
        await ((IAsyncLifetime)_a).DisposeAsync();
    }

    private JobWorker WorkerA => _a.Services.GetRequiredService<JobWorker>();

    private JobWorker WorkerB => _b!.Services.GetRequiredService<JobWorker>();

    private static async Task ArrangeDatasetAsync(HttpClient client)
    {
        var org = await TestData.CreateOrganizationAsync(client);
        await ServiceAsync(client, org, "Police north", "police", 0);
        await ServiceAsync(client, org, "Health centre", "health", 20);
        await ImportCsvAsync(client, "towns", $"""
            name,lat,lng,population,settlement_class,region_code
            Capital,{F(North(1))},{F(Lng0)},80000,,CR-SJ
            Village,{F(North(30))},{F(Lng0)},800,,CR-SJ
            Hamlet,{F(North(60))},{F(Lng0)},90,hamlet,CR-A
            """);
    }

    [Fact]
    public async Task QueuedJobs_OnTwoInstances_EachRunsExactlyOnce()
    {
        using var a = _a.CreateClient(_a.AdminKey);
        using var b = _b!.CreateClient(_b.AdminKey);
        await ArrangeDatasetAsync(a);

        // Eight analyses with different inputs, queued through both instances alternately.
        var ids = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            var client = i % 2 == 0 ? a : b;
            using var response = await client.PostAsJsonAsync("/api/gap_analyses",
                new { dataset = "towns", categories = new[] { "police" }, thresholds_km = new[] { 5 + i }, background = true });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        // A worker records a run just after the job's own commit: wait for both.
        await WaitForAsync(async () => (await StatusesAsync(ids)).All(s => s.Status == "succeeded")
            && ids.All(id => WorkerA.Ran.Concat(WorkerB.Ran).Contains(id)), "every analysis to succeed");

        var ran = WorkerA.Ran.Concat(WorkerB.Ran).Where(ids.Contains).ToList();
        Assert.Equal(ids.Order(), ran.Order());
        Assert.All(await StatusesAsync(ids), s => Assert.Equal(1, s.Attempts));
    }

    [Fact]
    public async Task InterruptedJob_IsResumedExactlyOnce_AndALiveClaimIsLeftAlone()
    {
        using var a = _a.CreateClient(_a.AdminKey);
        await ArrangeDatasetAsync(a);
        var dead = await FinishedAnalysisAsync(a, 7);
        var alive = await FinishedAnalysisAsync(a, 9);
        var before = WorkerA.Ran.Concat(WorkerB.Ran).Count(id => id == dead);

        // As a crashed instance leaves them: running, half done, claimed — one lease expired, one still held elsewhere.
        await using (var conn = await _a.OpenAsync())
        {
            await using var cmd = new NpgsqlCommand("""
                UPDATE gap_analysis SET status = 'running', results = NULL, finished_at = NULL, progress_percent = 40, attempts = 1,
                    claimed_by = CASE WHEN id = @dead THEN 'crashed-host:1:dead' ELSE 'other-host:2:alive' END,
                    lease_until = CASE WHEN id = @dead THEN now() - interval '1 second' ELSE now() + interval '1 hour' END
                WHERE id IN (@dead, @alive);
                SELECT pg_notify('referral_jobs', 'gap_analysis');
                """, conn);
            cmd.Parameters.AddWithValue("dead", dead);
            cmd.Parameters.AddWithValue("alive", alive);
            await cmd.ExecuteNonQueryAsync();
        }

        // A worker records a run just after the job's own commit: wait for both.
        await WaitForAsync(async () => (await StatusesAsync([dead])).Single().Status == "succeeded"
            && WorkerA.Ran.Concat(WorkerB.Ran).Count(id => id == dead) > before, "the interrupted analysis to be resumed");
        var resumed = (await StatusesAsync([dead])).Single();
        Assert.Equal(2, resumed.Attempts);
        Assert.Null(resumed.ClaimedBy);
        Assert.Equal(before + 1, WorkerA.Ran.Concat(WorkerB.Ran).Count(id => id == dead));
        using (var done = await a.GetAsync($"/api/gap_analyses/{dead}"))
        {
            var body = await done.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(3, body.GetProperty("results").GetProperty("totals").GetProperty("settlements").GetInt32());
        }

        // The job another live instance holds is not taken (its lease is renewed there): unchanged.
        var held = (await StatusesAsync([alive])).Single();
        Assert.Equal(("running", 1, "other-host:2:alive"), (held.Status, held.Attempts, held.ClaimedBy));
    }

    [Fact]
    public async Task CategoryAddedThroughOneInstance_IsKnownToTheOtherAtOnce()
    {
        using var a = _a.CreateClient();
        // Instance A caches the catalog (for a minute) while validating this request: the category does not exist yet.
        using (var unknown = await a.GetAsync("/api/nearest?lat=9.93&lng=-84.08&category=trafficking_hotline"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        }

        // Instance B adds the term (any write path: the trigger notifies every instance).
        await _b!.WithDbAsync(async db =>
        {
            db.TaxonomyTerms.Add(new TaxonomyTerm
            {
                Id = TestData.TermId("trafficking_hotline"),
                TaxonomyId = TestData.CategoryTaxonomyId,
                Code = "trafficking_hotline",
                Name = "Trafficking hotline",
                Description = "A category added by a test.",
                Labels = new() { ["en"] = "Trafficking hotline" },
            });
            await db.SaveChangesAsync();
        });

        await WaitForAsync(async () =>
        {
            using var known = await a.GetAsync("/api/nearest?lat=9.93&lng=-84.08&category=trafficking_hotline");
            return known.StatusCode == HttpStatusCode.OK;
        }, "instance A to know the new category", TimeSpan.FromSeconds(10));
    }

    private static async Task<Guid> FinishedAnalysisAsync(HttpClient client, int thresholdKm)
    {
        using var response = await client.PostAsJsonAsync("/api/gap_analyses",
            new { dataset = "towns", categories = new[] { "police" }, thresholds_km = new[] { thresholdKm } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private async Task<List<(Guid Id, string Status, int Attempts, string? ClaimedBy)>> StatusesAsync(List<Guid> ids)
    {
        await using var conn = await _a.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT id, status, attempts, claimed_by FROM gap_analysis WHERE id = ANY(@ids)", conn);
        cmd.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(Guid, string, int, string?)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        Assert.Equal(ids.Count, rows.Count);
        return rows;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(60)), $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
