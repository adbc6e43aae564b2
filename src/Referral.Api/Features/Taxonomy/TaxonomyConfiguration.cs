using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Taxonomy;

internal sealed class TaxonomyConfiguration : IEntityTypeConfiguration<Taxonomy>
{
    public void Configure(EntityTypeBuilder<Taxonomy> b)
    {
        b.ToTable("taxonomy");
        b.Property(x => x.Name).HasMaxLength(Limits.Short);
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.Property(x => x.Uri).HasMaxLength(Limits.Url);
        b.Property(x => x.Version).HasMaxLength(Limits.Code);
        b.HasIndex(x => x.Name).IsUnique();
        b.HasMany(x => x.Terms).WithOne(t => t.Taxonomy).HasForeignKey(t => t.TaxonomyId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class TaxonomyTermConfiguration : IEntityTypeConfiguration<TaxonomyTerm>
{
    public void Configure(EntityTypeBuilder<TaxonomyTerm> b)
    {
        b.ToTable("taxonomy_term");
        b.Property(x => x.Code).HasMaxLength(Limits.Code);
        b.Property(x => x.Name).HasMaxLength(Limits.Short);
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.Property(x => x.TermUri).HasMaxLength(Limits.Url);
        b.Property(x => x.Labels)
            .HasColumnType("jsonb")
            .HasConversion(
                v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
                v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, (JsonSerializerOptions?)null) ?? new Dictionary<string, string>(),
                new ValueComparer<Dictionary<string, string>>(
                    (a, c) => a != null && c != null && a.Count == c.Count && !a.Except(c).Any(),
                    v => v.Aggregate(0, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value)),
                    v => new Dictionary<string, string>(v)));
        b.HasIndex(x => new { x.TaxonomyId, x.Code }).IsUnique();
        b.HasOne<TaxonomyTerm>().WithMany().HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ServiceAttributeConfiguration : IEntityTypeConfiguration<ServiceAttribute>
{
    public void Configure(EntityTypeBuilder<ServiceAttribute> b)
    {
        b.ToTable("attribute");
        b.Property(x => x.Value).HasMaxLength(Limits.Short);
        b.HasOne(x => x.TaxonomyTerm).WithMany().HasForeignKey(x => x.TaxonomyTermId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.ServiceId, x.TaxonomyTermId }).IsUnique();
        b.HasIndex(x => x.TaxonomyTermId);
    }
}
