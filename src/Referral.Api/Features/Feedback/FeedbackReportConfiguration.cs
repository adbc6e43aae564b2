using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Feedback;

internal sealed class FeedbackReportConfiguration : IEntityTypeConfiguration<FeedbackReport>
{
    public void Configure(EntityTypeBuilder<FeedbackReport> b)
    {
        b.ToTable("feedback", t =>
        {
            t.HasCheckConstraint("ck_feedback_reason", $"reason IN ({Vocabulary.SqlList(Vocabulary.FeedbackReasons)})");
            t.HasCheckConstraint("ck_feedback_status", $"status IN ({Vocabulary.SqlList(Vocabulary.FeedbackStatuses)})");
        });
        b.Property(x => x.Reason).HasMaxLength(Limits.Code);
        b.Property(x => x.Status).HasMaxLength(Limits.Code);
        b.Property(x => x.Comment).HasMaxLength(2000);
        b.Property(x => x.ResolvedBy).HasMaxLength(Limits.Short);
        b.HasOne<Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.ServiceId, x.Status });
    }
}
