using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Places;

internal sealed class PlaceConfiguration : IEntityTypeConfiguration<Place>
{
    public void Configure(EntityTypeBuilder<Place> b)
    {
        b.ToTable("place", t => t.HasCheckConstraint("ck_place_population", "population >= 0"));
        b.Property(x => x.Name).HasMaxLength(Limits.Short);
        b.Property(x => x.Country).HasMaxLength(2);
        b.Property(x => x.RegionCode).HasMaxLength(Limits.Code);
        b.Property(x => x.FeatureCode).HasMaxLength(Limits.Code);
        b.Property(x => x.Point).HasColumnType("geography (point, 4326)");
        b.HasIndex(x => x.GeonamesId).IsUnique();
        b.HasIndex(x => x.Point).HasMethod("gist");
    }
}
