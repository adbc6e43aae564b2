using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.ServiceAtLocations;

internal sealed class ServiceAtLocationConfiguration : IEntityTypeConfiguration<ServiceAtLocation>
{
    public void Configure(EntityTypeBuilder<ServiceAtLocation> b)
    {
        b.ToTable("service_at_location");
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.HasOne(x => x.Service).WithMany(s => s.ServiceAtLocations).HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Cascade);
        // A location still used by a service cannot be deleted out from under it.
        b.HasOne(x => x.Location).WithMany(l => l.ServiceAtLocations).HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.ServiceId, x.LocationId }).IsUnique();
        b.HasIndex(x => x.LocationId);
    }
}
