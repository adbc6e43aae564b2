using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.Features.Access;
using Referral.Api.Features.Demand;
using Referral.Api.Features.Gaps;
using Referral.Api.Infrastructure;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// Planning data has an owner (issue 11 High 3): demand datasets and gap analyses belong to the caller's organization, or
/// to its key when it has none; only the owner and admins replace, delete or cancel them; the seeded demo only admins;
/// every create, replace and delete is in the audit log. And the limits of issue 11 Low 9: cancel on disconnect, a cap
/// of active analyses per owner, a cancel route, an upload cap.
/// </summary>
public sealed class PlanningOwnershipTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Csv = "name,lat,lng,population\nA,9.9,-84.1,1000\nB,10.2,-84.3,200\n";

    private async Task<(HttpClient Client, string Name)> KeyAsync(string role, Guid? org = null)
    {
        var name = $"{role}-{Guid.NewGuid():N}";
        return (Factory.CreateClient(await Factory.CreateKeyAsync(name, role, org)), name);
    }

    private static async Task<HttpResponseMessage> ReplaceAsync(HttpClient client, string name, string csv) =>
        await client.PostAsync($"/api/demand_datasets?name={Uri.EscapeDataString(name)}&replace=true", new StringContent(csv, Encoding.UTF8, "text/csv"));

    private Task<int> PointCountAsync(Guid dataset) =>
        Factory.WithDbAsync(db => Task.FromResult(db.DemandPoints.Count(p => p.DatasetId == dataset)));

    [Fact]
    public async Task Datasets_OnlyTheOwningOrganizationOrAnAdmin_ReplacesOrDeletes()
    {
        var orgA = await TestData.CreateOrganizationAsync(Client, "A");
        var orgB = await TestData.CreateOrganizationAsync(Client, "B");
        var (editorA, _) = await KeyAsync(Roles.Editor, orgA);
        var (colleagueA, _) = await KeyAsync(Roles.Planner, orgA);
        var (editorB, _) = await KeyAsync(Roles.Editor, orgB);
        var (planner, _) = await KeyAsync(Roles.Planner);
        var id = (await ImportCsvAsync(editorA, "towns of A", Csv)).GetProperty("dataset").GetProperty("id").GetGuid();

        var replaceByB = await ReplaceAsync(editorB, "towns of A", "name,lat,lng,population\nX,9.0,-84.0,1\n");
        var replaceByPlanner = await ReplaceAsync(planner, "towns of A", "name,lat,lng,population\nX,9.0,-84.0,1\n");
        var deleteByB = await editorB.DeleteAsync($"/api/demand_datasets/{id}");
        var deleteByPlanner = await planner.DeleteAsync($"/api/demand_datasets/{id}");
        var pointsAfterStrangers = await PointCountAsync(id);
        var replaceByColleague = await ReplaceAsync(colleagueA, "towns of A", "name,lat,lng,population\nX,9.0,-84.0,1\nY,9.1,-84.1,2\nZ,9.2,-84.2,3\n");
        var deleteByAdmin = await Client.DeleteAsync($"/api/demand_datasets/{id}");

        await Problem.AssertAsync(replaceByB, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Problem.AssertAsync(replaceByPlanner, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Problem.AssertAsync(deleteByB, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Problem.AssertAsync(deleteByPlanner, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.Equal(2, pointsAfterStrangers);
        Assert.Equal(HttpStatusCode.OK, replaceByColleague.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleteByAdmin.StatusCode);
    }

    [Fact]
    public async Task Datasets_OfAKeyWithoutOrganization_BelongToThatKeyAlone()
    {
        var (planner, name) = await KeyAsync(Roles.Planner);
        var (otherPlanner, _) = await KeyAsync(Roles.Planner);
        var id = (await ImportCsvAsync(planner, "my towns", Csv)).GetProperty("dataset").GetProperty("id").GetGuid();

        var byOther = await otherPlanner.DeleteAsync($"/api/demand_datasets/{id}");
        var stored = await Factory.WithDbAsync(db => Task.FromResult(db.DemandDatasets.Single(d => d.Id == id)));
        var byOwner = await planner.DeleteAsync($"/api/demand_datasets/{id}");

        await Problem.AssertAsync(byOther, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.Equal((null, name), (stored.OwnerOrganizationId, stored.OwnerActor));
        Assert.Equal(HttpStatusCode.NoContent, byOwner.StatusCode);
    }

    [Fact]
    public async Task DemoDataset_IsReadOnly_ExceptForAdmins()
    {
        var demo = Guid.NewGuid();
        await Factory.WithDbAsync(async db =>
        {
            db.DemandDatasets.Add(new DemandDataset { Id = demo, Name = "demo: towns", IsDemo = true, CreatedAt = DateTimeOffset.UnixEpoch });
            await db.SaveChangesAsync();
        });
        var org = await TestData.CreateOrganizationAsync(Client, "Some organization");
        var (editor, _) = await KeyAsync(Roles.Editor, org);
        var (planner, _) = await KeyAsync(Roles.Planner);

        var replaceByEditor = await ReplaceAsync(editor, "demo: towns", Csv);
        var replaceByPlanner = await ReplaceAsync(planner, "demo: towns", Csv);
        var deleteByEditor = await editor.DeleteAsync($"/api/demand_datasets/{demo}");
        var deleteByPlanner = await planner.DeleteAsync($"/api/demand_datasets/{demo}");
        var analyseByPlanner = await planner.PostAsJsonAsync("/api/gap_analyses", new { dataset_id = demo, categories = new[] { "police" } });
        var deleteByAdmin = await Client.DeleteAsync($"/api/demand_datasets/{demo}");

        await Problem.AssertAsync(replaceByEditor, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Problem.AssertAsync(replaceByPlanner, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Problem.AssertAsync(deleteByEditor, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Problem.AssertAsync(deleteByPlanner, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.Equal(HttpStatusCode.Created, analyseByPlanner.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleteByAdmin.StatusCode);
    }

    [Fact]
    public async Task Analyses_OnlyTheOwnerOrAnAdmin_Deletes_AndEveryChangeIsAudited()
    {
        var (planner, name) = await KeyAsync(Roles.Planner);
        var (otherPlanner, _) = await KeyAsync(Roles.Planner);
        var dataset = (await ImportCsvAsync(planner, "audited towns", Csv)).GetProperty("dataset").GetProperty("id").GetGuid();
        (await ReplaceAsync(planner, "audited towns", Csv)).EnsureSuccessStatusCode();
        var analysis = (await AnalyseAsync(planner, new { dataset_id = dataset, categories = new[] { "police" } })).GetProperty("id").GetGuid();
        var other = (await AnalyseAsync(planner, new { dataset_id = dataset, categories = new[] { "health" } })).GetProperty("id").GetGuid();

        var byStranger = await otherPlanner.DeleteAsync($"/api/gap_analyses/{analysis}");
        var byOwner = await planner.DeleteAsync($"/api/gap_analyses/{analysis}");
        var datasetByOwner = await planner.DeleteAsync($"/api/demand_datasets/{dataset}");
        var audit = await Client.GetFromJsonAsync<JsonElement>("/api/audit?per_page=100");

        await Problem.AssertAsync(byStranger, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, byOwner.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, datasetByOwner.StatusCode);
        var entries = audit.GetProperty("contents").EnumerateArray()
            .Select(e => (Type: e.GetProperty("entity_type").GetString(), Id: e.GetProperty("entity_id").GetGuid(), Action: e.GetProperty("action").GetString(),
                Actor: e.GetProperty("actor").GetString()))
            .Where(e => e.Type is "demand_dataset" or "gap_analysis").ToList();
        Assert.All(entries, e => Assert.Equal(name, e.Actor));
        Assert.Equal(["create", "update", "delete"], entries.Where(e => e.Id == dataset).Select(e => e.Action).Reverse());
        Assert.Equal(["create", "delete"], entries.Where(e => e.Id == analysis).Select(e => e.Action).Reverse());
        Assert.Equal(["create", "delete"], entries.Where(e => e.Id == other).Select(e => e.Action).Reverse());
    }

    private Task AddActiveAnalysisAsync(Guid dataset, string? ownerActor, Guid? ownerOrganization, string status = GapAnalysis.Running, Guid? id = null) =>
        Factory.WithDbAsync(async db =>
        {
            db.GapAnalyses.Add(new GapAnalysis
            {
                Id = id ?? Guid.CreateVersion7(),
                DatasetId = dataset,
                OwnerActor = ownerActor,
                OwnerOrganizationId = ownerOrganization,
                Status = status,
                InputHash = Guid.NewGuid().ToString("N"),
                Options = "{}",
                CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        });

    [Fact]
    public async Task ActiveAnalyses_AreCappedPerOwner_With429()
    {
        var (planner, name) = await KeyAsync(Roles.Planner);
        var (otherPlanner, _) = await KeyAsync(Roles.Planner);
        var dataset = (await ImportCsvAsync(planner, "capped towns", Csv)).GetProperty("dataset").GetProperty("id").GetGuid();
        await AddActiveAnalysisAsync(dataset, name, null);
        await AddActiveAnalysisAsync(dataset, name, null, GapAnalysis.Queued);

        var third = await planner.PostAsJsonAsync("/api/gap_analyses", new { dataset_id = dataset, categories = new[] { "police" } });
        var viaGraphQL = await planner.PostGraphQLAsync($"mutation {{ startGapAnalysis(input: {{ datasetId: \"{dataset}\", categories: [HEALTH] }}) {{ id }} }}");
        var someoneElse = await otherPlanner.PostAsJsonAsync("/api/gap_analyses", new { dataset_id = dataset, categories = new[] { "police" } });

        await Problem.AssertAsync(third, HttpStatusCode.TooManyRequests, ErrorCodes.TooManyAnalyses);
        Assert.Contains(viaGraphQL.Errors, e => e.GetProperty("extensions").GetProperty("code").GetString() == ErrorCodes.TooManyAnalyses);
        Assert.Equal(HttpStatusCode.Created, someoneElse.StatusCode);
    }

    [Fact]
    public async Task Cancel_QueuedAnalysis_ByOwnerOnly_EndsFailedAsCancelled()
    {
        var (planner, _) = await KeyAsync(Roles.Planner);
        var (otherPlanner, _) = await KeyAsync(Roles.Planner);
        var dataset = (await ImportCsvAsync(planner, "cancelled towns", Csv)).GetProperty("dataset").GetProperty("id").GetGuid();
        var id = (await AnalyseAsync(planner, new { dataset_id = dataset, categories = new[] { "police" } })).GetProperty("id").GetGuid();
        // As if it were still waiting for the worker.
        await Factory.WithDbAsync(db => db.GapAnalyses.Where(a => a.Id == id).ExecuteUpdateAsync(u => u.SetProperty(a => a.Status, GapAnalysis.Queued)));

        var byStranger = await otherPlanner.PostAsync($"/api/gap_analyses/{id}/cancel", null);
        var deleteWhileQueued = await planner.DeleteAsync($"/api/gap_analyses/{id}");
        var byOwner = await planner.PostAsync($"/api/gap_analyses/{id}/cancel", null);
        var again = await planner.PostGraphQLAsync($"mutation {{ cancelGapAnalysis(id: \"{id}\") {{ status }} }}");
        var delete = await planner.DeleteAsync($"/api/gap_analyses/{id}");

        await Problem.AssertAsync(byStranger, HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await Problem.AssertAsync(deleteWhileQueued, HttpStatusCode.Conflict, ErrorCodes.Conflict);
        var text = await byOwner.Content.ReadAsStringAsync();
        Assert.True(byOwner.StatusCode == HttpStatusCode.OK, text);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("failed", body.GetProperty("status").GetString());
        Assert.Equal(GapRunner.CancelledError, body.GetProperty("error").GetString());
        Assert.Contains(again.Errors, e => e.GetProperty("extensions").GetProperty("code").GetString() == ErrorCodes.Conflict);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
    }

    private sealed class CancelOnFirstReport(CancellationTokenSource source) : IProgress<GapProgress>
    {
        public void Report(GapProgress value) => source.Cancel();
    }

    [Fact]
    public async Task InlineAnalysis_CallerGoesAway_IsCancelled_AndLeavesNoResults()
    {
        var dataset = (await ImportCsvAsync(Client, "abandoned towns", Csv)).GetProperty("dataset").GetProperty("id").GetGuid();
        using var caller = new CancellationTokenSource();
        await using var scope = Factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ActorContext>().Set(Actor.System("tests"));
        var service = scope.ServiceProvider.GetRequiredService<GapService>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.StartAsync(
            new GapAnalysisRequest { DatasetId = dataset, Categories = ["police"] }, GapRunMode.Inline, new CancelOnFirstReport(caller), caller.Token));

        var stored = await Factory.WithDbAsync(db => Task.FromResult(db.GapAnalyses.Single(a => a.DatasetId == dataset)));
        Assert.Equal((GapAnalysis.Failed, GapRunner.CancelledError), (stored.Status, stored.Error));
        Assert.Equal(0, await Factory.WithDbAsync(db => Task.FromResult(db.GapPointResults.Count(r => r.AnalysisId == stored.Id))));
    }

    [Fact]
    public async Task DemandUpload_OverTheConfiguredCap_Is413_AndStoresNothing()
    {
        using var app = Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.PostConfigure<GapSettings>(o => o.DemandUploadMaxMiB = 1)));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", Factory.AdminKey);
        var csv = new StringBuilder("name,lat,lng,population\n");
        for (var i = 0; csv.Length <= 1024 * 1024; i++)
        {
            csv.Append("Settlement ").Append(i).Append(",9.9,-84.1,100\n");
        }
        var bytes = Encoding.UTF8.GetBytes(csv.ToString());

        var withLength = await client.PostAsync("/api/demand_datasets?name=big", new ByteArrayContent(bytes) { Headers = { { "Content-Type", "text/csv" } } });
        var chunked = new StreamContent(new NonSeekableStream(bytes));
        chunked.Headers.ContentType = new("text/csv");
        var withoutLength = await client.PostAsync("/api/demand_datasets?name=big", chunked);

        await Problem.AssertAsync(withLength, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
        await Problem.AssertAsync(withoutLength, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
        Assert.Equal(0, await Factory.WithDbAsync(db => Task.FromResult(db.DemandDatasets.Count())));
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
