using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Locations;

internal sealed class LocationConfiguration : IEntityTypeConfiguration<Location>
{
    // The public view of a point (DESIGN.md "Confidentiality"): public → the point; hidden → none; approximate → the
    // centre of its 0.05° grid cell, or, when the site lies within 1.5 km of that centre, the centre of the cell
    // north or south of it (away from the site), so the shown point is never within 1.5 km of the real one and
    // distances measured from it cannot be trilaterated back to the site. Metres use a local flat approximation.
    private const string PublicPointSql = """
        CASE visibility
            WHEN 'public' THEN point
            WHEN 'approximate' THEN ST_SetSRID(ST_MakePoint(
                floor(ST_X(point::geometry) / 0.05) * 0.05 + 0.025,
                floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025
                + CASE WHEN power((ST_X(point::geometry) - (floor(ST_X(point::geometry) / 0.05) * 0.05 + 0.025)) * 111320 * cos(radians(ST_Y(point::geometry))), 2)
                          + power((ST_Y(point::geometry) - (floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025)) * 110574, 2) < 1500 * 1500
                       THEN CASE WHEN ST_Y(point::geometry) >= floor(ST_Y(point::geometry) / 0.05) * 0.05 + 0.025 THEN -0.05 ELSE 0.05 END
                       ELSE 0 END), 4326)::geography
        END
        """;

    public void Configure(EntityTypeBuilder<Location> b)
    {
        b.ToTable("location", t =>
        {
            t.HasCheckConstraint("ck_location_type", $"location_type IN ({Vocabulary.SqlList(Vocabulary.LocationTypes)})");
            t.HasCheckConstraint("ck_location_visibility", $"visibility IN ({Vocabulary.SqlList(Vocabulary.Visibilities)})");
            t.HasCheckConstraint("ck_location_point_range",
                "point IS NULL OR (ST_Y(point::geometry) BETWEEN -90 AND 90 AND ST_X(point::geometry) BETWEEN -180 AND 180)");
        });
        b.Property(x => x.Name).HasMaxLength(Limits.Name);
        b.Property(x => x.AlternateName).HasMaxLength(Limits.Name);
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.Property(x => x.LocationType).HasMaxLength(Limits.Code);
        b.Property(x => x.Url).HasMaxLength(Limits.Url);
        b.Property(x => x.Transportation).HasMaxLength(Limits.Text);
        b.Property(x => x.Accessibility).HasMaxLength(Limits.Text);
        b.Property(x => x.Visibility).HasMaxLength(Limits.Code);
        b.Property(x => x.Point).HasColumnType("geography (point, 4326)");
        b.Property(x => x.Version).IsRowVersion();
        b.Property(x => x.Source).HasMaxLength(Limits.Short);
        b.Property(x => x.SourceId).HasMaxLength(Limits.Short);
        b.HasIndex(x => new { x.Source, x.SourceId }).IsUnique().HasFilter("source IS NOT NULL");
        b.HasIndex(x => x.Point).HasMethod("gist");
        b.Property(x => x.PublicPoint)
            .HasColumnType("geography (point, 4326)")
            .HasComputedColumnSql(PublicPointSql, stored: true);
        b.HasIndex(x => x.PublicPoint).HasMethod("gist");
        b.HasIndex(x => x.OrganizationId);
        b.HasOne<Organizations.Organization>().WithMany(o => o.Locations).HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Addresses).WithOne().HasForeignKey(a => a.LocationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AddressConfiguration : IEntityTypeConfiguration<Address>
{
    public void Configure(EntityTypeBuilder<Address> b)
    {
        b.ToTable("address", t => t.HasCheckConstraint("ck_address_country", "country ~ '^[A-Z]{2}$'"));
        b.Property(x => x.Address1).HasColumnName("address_1").HasMaxLength(Limits.Short);
        b.Property(x => x.Address2).HasColumnName("address_2").HasMaxLength(Limits.Short);
        b.Property(x => x.Attention).HasMaxLength(Limits.Short);
        b.Property(x => x.City).HasMaxLength(Limits.Short);
        b.Property(x => x.Region).HasMaxLength(Limits.Short);
        b.Property(x => x.StateProvince).HasMaxLength(Limits.Short);
        b.Property(x => x.PostalCode).HasMaxLength(Limits.Code);
        b.Property(x => x.Country).HasMaxLength(2);
        b.Property(x => x.AddressType).HasMaxLength(Limits.Code);
        b.HasIndex(x => x.LocationId);
    }
}
