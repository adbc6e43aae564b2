using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Audit;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable("audit_entry", t => t.HasCheckConstraint("ck_audit_entry_action", "action IN ('create', 'update', 'delete')"));
        b.Property(x => x.Id).UseIdentityAlwaysColumn();
        b.Property(x => x.Actor).HasMaxLength(Limits.Short);
        b.Property(x => x.Action).HasMaxLength(Limits.Code);
        b.Property(x => x.EntityType).HasMaxLength(Limits.Code);
        b.Property(x => x.Before).HasColumnType("jsonb");
        b.Property(x => x.After).HasColumnType("jsonb");
        b.HasIndex(x => new { x.EntityType, x.EntityId });
        b.HasIndex(x => x.At);
    }
}
