using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Jobs;

/// <summary>A job without its results (what lists show) and the name of its dataset.</summary>
internal sealed record JobHead<T>(T Job, string DatasetName)
    where T : BackgroundJob;

/// <summary>
/// The one place that creates jobs and changes their status, for every job kind: reuse by input hash, the per-owner
/// count of active jobs, the insert (queued for any instance's worker, or claimed at once by this instance to run it
/// inline), and the final states — each fenced on the claim (<see cref="JobLease.Owner"/>), so only the instance that
/// holds a job writes its outcome.
/// </summary>
internal sealed class JobStore<T>(ReferralDbContext db, JobClaims claims, JobSignal signal, TimeProvider clock)
    where T : BackgroundJob, new()
{
    private DbSet<T> Jobs => db.Set<T>();

    /// <summary>The table of this job kind (for raw SQL and NOTIFY).</summary>
    public string Table => db.Model.FindEntityType(typeof(T))!.GetTableName()!;

    /// <summary>A new job of this kind with the columns every kind has (queued; stored by <see cref="AddAsync"/>).</summary>
    public T Create(Guid datasetId, long datasetVersion, string inputHash, string options, (Guid? Organization, string? Actor) owner) => new()
    {
        Id = Guid.CreateVersion7(),
        DatasetId = datasetId,
        OwnerOrganizationId = owner.Organization,
        OwnerActor = owner.Actor,
        Status = JobStatus.Queued,
        InputHash = inputHash,
        Options = options,
        DatasetVersion = datasetVersion,
        CreatedAt = clock.GetUtcNow(),
    };

    /// <summary>The newest job with these exact inputs that did not fail (finished, queued or running), if any.</summary>
    public async Task<(Guid Id, string Status)?> FindReusableAsync(string inputHash, CancellationToken ct)
    {
        var row = await Jobs.AsNoTracking()
            .Where(j => j.InputHash == inputHash && j.Status != JobStatus.Failed)
            .OrderByDescending(j => j.CreatedAt)
            .Select(j => new { j.Id, j.Status })
            .FirstOrDefaultAsync(ct);
        return row is null ? null : (row.Id, row.Status);
    }

    /// <summary>Jobs of this owner queued or running.</summary>
    public Task<int> CountActiveAsync(Guid? ownerOrganization, string? ownerActor, CancellationToken ct) =>
        Jobs.CountAsync(j => (j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
            && (ownerOrganization != null ? j.OwnerOrganizationId == ownerOrganization : j.OwnerOrganizationId == null && j.OwnerActor == ownerActor), ct);

    /// <summary>
    /// Stores a new job. <paramref name="inline"/>: claimed by this instance at once (running, with a lease) so no
    /// worker anywhere takes it — the caller runs it and must dispose the returned lease; else queued, and every
    /// instance's worker is woken.
    /// </summary>
    public async Task<JobLease?> AddAsync(T job, bool inline, CancellationToken ct)
    {
        if (inline)
        {
            job.Status = JobStatus.Running;
            job.Stage = "starting";
            job.ClaimedBy = claims.Instance;
            job.LeaseUntil = clock.GetUtcNow() + claims.Lease;
            job.StartedAt = clock.GetUtcNow();
            job.Attempts = 1;
        }
        else
        {
            job.Status = JobStatus.Queued;
            job.Stage = "queued";
        }
        Jobs.Add(job);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        if (inline)
        {
            return new JobLease(claims, Table, job.Id);
        }
        signal.Wake();
        await claims.WakeAsync(Table, ct);
        return null;
    }

    /// <summary>Finished: the results, 100 %. False when the claim was lost meanwhile (nothing written).</summary>
    public async Task<bool> SucceedAsync(Guid id, JobLease lease, string results, CancellationToken ct) =>
        await Held(id, lease).ExecuteUpdateAsync(u => u
            .SetProperty(j => j.Status, JobStatus.Succeeded)
            .SetProperty(j => j.ProgressPercent, 100)
            .SetProperty(j => j.Stage, "done")
            .SetProperty(j => j.Results, results)
            .SetProperty(j => j.Error, (string?)null)
            .SetProperty(j => j.ClaimedBy, (string?)null)
            .SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null)
            .SetProperty(j => j.FinishedAt, clock.GetUtcNow()), ct) == 1;

    /// <summary>Failed with a message for the planner (never throws: called from error paths).</summary>
    public Task FailAsync(Guid id, JobLease lease, string error) => Final(id, lease, JobStatus.Failed, error, "failed");

    /// <summary>Stopped by a shutdown: back to the queue, where any instance's worker resumes it.</summary>
    public Task RequeueAsync(Guid id, JobLease lease) =>
        Final(id, lease, JobStatus.Queued, null, "queued (interrupted; resumes when a server runs it again)");

    /// <summary>
    /// Cancels a queued or running job from any instance: marked failed at once; the instance running it (if any)
    /// loses its claim at its next renewal and stops.
    /// </summary>
    public async Task<bool> CancelAsync(Guid id, string error, CancellationToken ct) =>
        await Jobs.Where(j => j.Id == id && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running))
            .ExecuteUpdateAsync(u => u
                .SetProperty(j => j.Status, JobStatus.Failed)
                .SetProperty(j => j.Error, error)
                .SetProperty(j => j.Stage, "failed")
                .SetProperty(j => j.ClaimedBy, (string?)null)
                .SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(j => j.FinishedAt, clock.GetUtcNow()), ct) == 1;

    /// <summary>A page of jobs without their results (a list stays light however large the results are), newest first.</summary>
    /// <remarks>The job columns are projected here once, for every job kind (<c>Results</c> left out).</remarks>
    public async Task<(List<JobHead<T>> Rows, int Total)> PageAsync(Guid? datasetId, PageRequest page, CancellationToken ct)
    {
        var query = Jobs.AsNoTracking();
        if (datasetId is { } dataset)
        {
            query = query.Where(j => j.DatasetId == dataset);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(j => j.CreatedAt).ThenBy(j => j.Id).Skip(page.Skip).Take(page.Size)
            .Join(db.DemandDatasets, j => j.DatasetId, d => d.Id, (j, d) => new JobHead<T>(new T
            {
                Id = j.Id,
                DatasetId = j.DatasetId,
                OwnerOrganizationId = j.OwnerOrganizationId,
                OwnerActor = j.OwnerActor,
                Status = j.Status,
                ProgressPercent = j.ProgressPercent,
                Stage = j.Stage,
                InputHash = j.InputHash,
                Options = j.Options,
                DatasetVersion = j.DatasetVersion,
                CreatedAt = j.CreatedAt,
                StartedAt = j.StartedAt,
                FinishedAt = j.FinishedAt,
                Error = j.Error,
            }, d.Name))
            .ToListAsync(ct);
        return (rows, total);
    }

    /// <summary>The job row if this instance still holds it running.</summary>
    public IQueryable<T> Held(Guid id, JobLease lease) =>
        Jobs.Where(j => j.Id == id && j.Status == JobStatus.Running && j.ClaimedBy == lease.Owner);

    private async Task Final(Guid id, JobLease lease, string status, string? error, string stage)
    {
        try
        {
            DateTimeOffset? finished = status == JobStatus.Failed ? clock.GetUtcNow() : null;
            await Held(id, lease).ExecuteUpdateAsync(u => u
                .SetProperty(j => j.Status, status)
                .SetProperty(j => j.Error, error)
                .SetProperty(j => j.ProgressPercent, 0)
                .SetProperty(j => j.Stage, stage)
                .SetProperty(j => j.ClaimedBy, (string?)null)
                .SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(j => j.FinishedAt, finished), CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or InvalidOperationException)
        {
            // The database is gone: the lease runs out and another start (or instance) resumes the job.
        }
    }
}
