using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Features.Demand;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

internal sealed class GapAnalysisConfiguration : IEntityTypeConfiguration<GapAnalysis>
{
    public void Configure(EntityTypeBuilder<GapAnalysis> b)
    {
        b.ToTable("gap_analysis", t =>
        {
            t.HasCheckConstraint("ck_gap_analysis_status", $"status IN ({Vocabulary.SqlList(GapAnalysis.Statuses)})");
            t.HasCheckConstraint("ck_gap_analysis_progress", "progress_percent BETWEEN 0 AND 100");
        });
        b.Property(x => x.Status).HasMaxLength(Limits.Code);
        b.Property(x => x.Stage).HasMaxLength(Limits.Short);
        b.Property(x => x.InputHash).HasMaxLength(Limits.Code);
        b.Property(x => x.Options).HasColumnType("jsonb");
        b.Property(x => x.Results).HasColumnType("jsonb");
        b.Property(x => x.Error).HasMaxLength(Limits.Text);
        b.Property(x => x.OwnerActor).HasMaxLength(Limits.Short);
        b.HasOne<DemandDataset>().WithMany().HasForeignKey(x => x.DatasetId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.InputHash, x.CreatedAt });
        b.HasIndex(x => x.DatasetId);
        b.HasIndex(x => x.CreatedAt);
    }
}

internal sealed class GapPointResultConfiguration : IEntityTypeConfiguration<GapPointResult>
{
    public void Configure(EntityTypeBuilder<GapPointResult> b)
    {
        b.ToTable("gap_point_result");
        // (analysis, seq): rows arrive in seq order per worker, so the key index grows at its end.
        b.HasKey(x => new { x.AnalysisId, x.Seq });
        b.Property(x => x.SettlementClass).HasMaxLength(Limits.Code);
        b.Property(x => x.ClassSource).HasMaxLength(Limits.Code);
        b.Property(x => x.RegionCode).HasMaxLength(Limits.Code);
        b.HasOne<GapAnalysis>().WithMany().HasForeignKey(x => x.AnalysisId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class GapCellAccessConfiguration : IEntityTypeConfiguration<GapCellAccess>
{
    public void Configure(EntityTypeBuilder<GapCellAccess> b)
    {
        b.ToTable("gap_cell_access");
        // One row per slice of the 2SFCA supply (see GapSession.FcaAsync); A_i is the sum over slices.
        b.HasKey(x => new { x.AnalysisId, x.Category, x.Cell, x.Part });
        b.HasOne<GapAnalysis>().WithMany().HasForeignKey(x => x.AnalysisId).OnDelete(DeleteBehavior.Cascade);
    }
}
