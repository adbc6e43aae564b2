using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Demand;

internal sealed class DemandDatasetConfiguration : IEntityTypeConfiguration<DemandDataset>
{
    public void Configure(EntityTypeBuilder<DemandDataset> b)
    {
        b.ToTable("demand_dataset");
        b.Property(x => x.Name).HasMaxLength(Limits.Short);
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.Property(x => x.Source).HasMaxLength(Limits.Short);
        b.Property(x => x.License).HasMaxLength(Limits.Short);
        b.HasIndex(x => x.Name).IsUnique();
        b.Property(x => x.OwnerActor).HasMaxLength(Limits.Short);
        b.Property(x => x.Version).HasDefaultValue(1L);
        b.HasMany(x => x.Points).WithOne().HasForeignKey(p => p.DatasetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DemandPointConfiguration : IEntityTypeConfiguration<DemandPoint>
{
    public void Configure(EntityTypeBuilder<DemandPoint> b)
    {
        b.ToTable("demand_point", t =>
        {
            t.HasCheckConstraint("ck_demand_point_population", "population IS NULL OR population >= 0");
            t.HasCheckConstraint("ck_demand_point_class", $"settlement_class IS NULL OR settlement_class IN ({Vocabulary.SqlList(Vocabulary.SettlementClasses)})");
        });
        b.Property(x => x.Name).HasMaxLength(Limits.Short);
        b.Property(x => x.SettlementClass).HasMaxLength(Limits.Code);
        b.Property(x => x.RegionCode).HasMaxLength(Limits.Code);
        b.Property(x => x.Point).HasColumnType("geography (point, 4326)");
        b.HasIndex(x => x.Point).HasMethod("gist");
        b.Property(x => x.Seq).UseIdentityByDefaultColumn();
        b.HasIndex(x => new { x.DatasetId, x.Seq });
    }
}
