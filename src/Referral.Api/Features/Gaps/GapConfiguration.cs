using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Features.Jobs;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

internal sealed class GapAnalysisConfiguration : IEntityTypeConfiguration<GapAnalysis>
{
    public void Configure(EntityTypeBuilder<GapAnalysis> b)
    {
        b.ConfigureJob("gap_analysis");
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
