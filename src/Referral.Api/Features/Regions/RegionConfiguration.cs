using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Regions;

internal sealed class RegionConfiguration : IEntityTypeConfiguration<Region>
{
    public void Configure(EntityTypeBuilder<Region> b)
    {
        b.ToTable("region", t =>
        {
            t.HasCheckConstraint("ck_region_area_class", $"area_class IS NULL OR area_class IN ({Vocabulary.SqlList(Vocabulary.AreaClasses)})");
            t.HasCheckConstraint("ck_region_population", "population IS NULL OR population >= 0");
        });
        b.Property(x => x.Code).HasMaxLength(Limits.Code);
        b.Property(x => x.Name).HasMaxLength(Limits.Short);
        b.Property(x => x.ParentCode).HasMaxLength(Limits.Code);
        b.Property(x => x.AreaClass).HasMaxLength(Limits.Code);
        b.Property(x => x.Source).HasMaxLength(Limits.Short);
        b.Property(x => x.Geometry).HasColumnType("geography (multipolygon, 4326)");
        b.HasIndex(x => x.Code).IsUnique();
        b.HasIndex(x => x.Geometry).HasMethod("gist");
    }
}
