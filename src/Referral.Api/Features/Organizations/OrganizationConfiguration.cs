using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Organizations;

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> b)
    {
        b.ToTable("organization", t => t.HasCheckConstraint("ck_organization_year", "year_incorporated IS NULL OR year_incorporated BETWEEN 1800 AND 2200"));
        b.Property(x => x.Name).HasMaxLength(Limits.Name);
        b.Property(x => x.AlternateName).HasMaxLength(Limits.Name);
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.Property(x => x.Email).HasMaxLength(Limits.Short);
        b.Property(x => x.Website).HasMaxLength(Limits.Url);
        b.Property(x => x.LegalStatus).HasMaxLength(Limits.Short);
        b.Property(x => x.Version).IsRowVersion();
        b.Property(x => x.Source).HasMaxLength(Limits.Short);
        b.Property(x => x.SourceId).HasMaxLength(Limits.Short);
        b.HasIndex(x => new { x.Source, x.SourceId }).IsUnique().HasFilter("source IS NOT NULL");
        b.HasIndex(x => x.Name);
    }
}
