using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Features.Demand;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Jobs;

/// <summary>The states of a background job (gap analysis, placement).</summary>
internal static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public static readonly string[] All = [Queued, Running, Succeeded, Failed];
}

/// <summary>
/// What every background job of a demand dataset has: its owner, options and input hash (identical inputs reuse the
/// finished job), progress, results as JSON, and the claim that makes one API instance — of however many share the
/// database — run it: <see cref="ClaimedBy"/> holds it while <see cref="LeaseUntil"/> is in the future (the runner
/// renews it); an instance that dies leaves its lease to expire and exactly one other instance resumes the job
/// (<see cref="JobClaims"/>). Each job kind is its own table (gap_analysis, placement) with these columns.
/// </summary>
internal abstract class BackgroundJob
{
    public Guid Id { get; set; }
    public Guid DatasetId { get; set; }

    /// <summary>The organization that started it (Actor.PlanningOwner); null when a key without organization did.</summary>
    public Guid? OwnerOrganizationId { get; set; }

    /// <summary>The key (actor name) that started it when it has no organization.</summary>
    public string? OwnerActor { get; set; }

    public string Status { get; set; } = JobStatus.Queued;
    public int ProgressPercent { get; set; }
    public string? Stage { get; set; }

    /// <summary>SHA-256 (hex) of everything the results depend on.</summary>
    public string InputHash { get; set; } = "";

    /// <summary>The normalised options as JSON.</summary>
    public string Options { get; set; } = "{}";

    public long DatasetVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }

    /// <summary>The results as JSON, once succeeded.</summary>
    public string? Results { get; set; }

    /// <summary>The API instance running it (<see cref="JobClaims.Instance"/>), while running.</summary>
    public string? ClaimedBy { get; set; }

    /// <summary>Until when the claim holds; an expired lease on a running job means its instance died.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>How many times an instance started it (1 normally; 2 after a resume).</summary>
    public int Attempts { get; set; }
}

internal static class JobConfiguration
{
    /// <summary>The columns, checks and indexes every job table has.</summary>
    public static void ConfigureJob<T>(this EntityTypeBuilder<T> b, string table)
        where T : BackgroundJob
    {
        b.ToTable(table, t =>
        {
            t.HasCheckConstraint($"ck_{table}_status", $"status IN ({Vocabulary.SqlList(JobStatus.All)})");
            t.HasCheckConstraint($"ck_{table}_progress", "progress_percent BETWEEN 0 AND 100");
        });
        b.Property(x => x.Status).HasMaxLength(Limits.Code);
        b.Property(x => x.Stage).HasMaxLength(Limits.Short);
        b.Property(x => x.InputHash).HasMaxLength(Limits.Code);
        b.Property(x => x.Options).HasColumnType("jsonb");
        b.Property(x => x.Results).HasColumnType("jsonb");
        b.Property(x => x.Error).HasMaxLength(Limits.Text);
        b.Property(x => x.OwnerActor).HasMaxLength(Limits.Short);
        b.Property(x => x.ClaimedBy).HasMaxLength(Limits.Short);
        b.HasOne<DemandDataset>().WithMany().HasForeignKey(x => x.DatasetId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.InputHash, x.CreatedAt });
        b.HasIndex(x => x.DatasetId);
        b.HasIndex(x => x.CreatedAt);
        // The claim query: queued jobs, and running ones whose lease ran out.
        b.HasIndex(x => new { x.Status, x.CreatedAt }).HasFilter("status IN ('queued', 'running')");
    }
}
