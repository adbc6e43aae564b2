using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Features.Demand;
using Referral.Api.Features.Gaps;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Placements;

/// <summary>
/// One placement run: "if we can open k more sites of this category, where do they help most?". Like a gap analysis it
/// has options, progress and (once finished) results kept as JSON and reused while <see cref="InputHash"/> matches.
/// Its "before" is a gap analysis of the same dataset and category (<see cref="GapAnalysisId"/>).
/// </summary>
internal sealed class Placement
{
    public Guid Id { get; set; }
    public Guid DatasetId { get; set; }
    public Guid? GapAnalysisId { get; set; }
    public required string Status { get; set; }
    public int ProgressPercent { get; set; }
    public string? Stage { get; set; }
    public required string InputHash { get; set; }

    /// <summary>The normalised <see cref="PlacementOptions"/> as JSON.</summary>
    public required string Options { get; set; }

    public long DatasetVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }

    /// <summary>The <see cref="PlacementResults"/> as JSON, once succeeded.</summary>
    public string? Results { get; set; }
}

internal sealed class PlacementConfiguration : IEntityTypeConfiguration<Placement>
{
    public void Configure(EntityTypeBuilder<Placement> b)
    {
        b.ToTable("placement", t =>
        {
            t.HasCheckConstraint("ck_placement_status", $"status IN ({Vocabulary.SqlList(GapAnalysis.Statuses)})");
            t.HasCheckConstraint("ck_placement_progress", "progress_percent BETWEEN 0 AND 100");
        });
        b.Property(x => x.Status).HasMaxLength(Limits.Code);
        b.Property(x => x.Stage).HasMaxLength(Limits.Short);
        b.Property(x => x.InputHash).HasMaxLength(Limits.Code);
        b.Property(x => x.Options).HasColumnType("jsonb");
        b.Property(x => x.Results).HasColumnType("jsonb");
        b.Property(x => x.Error).HasMaxLength(Limits.Text);
        b.HasOne<DemandDataset>().WithMany().HasForeignKey(x => x.DatasetId).OnDelete(DeleteBehavior.Cascade);
        // The results are complete without the gap analysis; deleting it only unlinks.
        b.HasOne<GapAnalysis>().WithMany().HasForeignKey(x => x.GapAnalysisId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(x => new { x.InputHash, x.CreatedAt });
        b.HasIndex(x => x.DatasetId);
        b.HasIndex(x => x.CreatedAt);
    }
}
