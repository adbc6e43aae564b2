using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.Jobs;

namespace Referral.Api.Features.Placements;

/// <summary>
/// One placement run: "if we can open k more sites of this category, where do they help most?". Like a gap analysis it
/// has options, progress and (once finished) results kept as JSON and reused while <see cref="BackgroundJob.InputHash"/> matches.
/// Its "before" is a gap analysis of the same dataset and category (<see cref="GapAnalysisId"/>).
/// </summary>
internal sealed class Placement : BackgroundJob
{
    public Guid? GapAnalysisId { get; set; }
}

internal sealed class PlacementConfiguration : IEntityTypeConfiguration<Placement>
{
    public void Configure(EntityTypeBuilder<Placement> b)
    {
        b.ConfigureJob("placement");
        // The results are complete without the gap analysis; deleting it only unlinks.
        b.HasOne<GapAnalysis>().WithMany().HasForeignKey(x => x.GapAnalysisId).OnDelete(DeleteBehavior.SetNull);
    }
}
