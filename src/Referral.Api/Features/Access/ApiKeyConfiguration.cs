using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Access;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("api_key", t => t.HasCheckConstraint("ck_api_key_role", $"role IN ({Vocabulary.SqlList(Roles.All)})"));
        b.Property(x => x.Name).HasMaxLength(Limits.Short);
        b.Property(x => x.Role).HasMaxLength(Limits.Code);
        b.Property(x => x.Prefix).HasMaxLength(16);
        b.HasIndex(x => x.Prefix);
        b.HasIndex(x => x.Name).IsUnique();
        b.HasOne<Organizations.Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Restrict);
    }
}
