using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Services;

internal sealed class ServiceConfiguration : IEntityTypeConfiguration<Service>
{
    // f_unaccent is an IMMUTABLE wrapper of unaccent (migration AddSearchAndOpeningHours); 'simple' keeps every word,
    // the four language configurations add their stems, so "abusos" finds "abuso" in Spanish and "abuses" in English.
    internal const string SearchDocumentSql = """
        setweight(to_tsvector('simple', f_unaccent(coalesce(name, '') || ' ' || coalesce(alternate_name, ''))), 'A')
        || setweight(to_tsvector('spanish', f_unaccent(coalesce(name, '') || ' ' || coalesce(alternate_name, ''))), 'A')
        || setweight(to_tsvector('english', f_unaccent(coalesce(name, '') || ' ' || coalesce(alternate_name, ''))), 'A')
        || setweight(to_tsvector('simple', f_unaccent(coalesce(description, ''))), 'B')
        || setweight(to_tsvector('spanish', f_unaccent(coalesce(description, ''))), 'B')
        || setweight(to_tsvector('english', f_unaccent(coalesce(description, ''))), 'B')
        || setweight(to_tsvector('portuguese', f_unaccent(coalesce(description, ''))), 'C')
        || setweight(to_tsvector('french', f_unaccent(coalesce(description, ''))), 'C')
        """;

    public void Configure(EntityTypeBuilder<Service> b)
    {
        b.ToTable("service", t =>
        {
            t.HasCheckConstraint("ck_service_status", $"status IN ({Vocabulary.SqlList(Vocabulary.ServiceStatuses)})");
            t.HasCheckConstraint("ck_service_minimum_age", "minimum_age IS NULL OR minimum_age BETWEEN 0 AND 120");
            t.HasCheckConstraint("ck_service_maximum_age", "maximum_age IS NULL OR maximum_age BETWEEN 0 AND 120");
            t.HasCheckConstraint("ck_service_age_range", "minimum_age IS NULL OR maximum_age IS NULL OR minimum_age <= maximum_age");
            t.HasCheckConstraint("ck_service_genders", $"genders <@ ARRAY[{Vocabulary.SqlList(Vocabulary.Genders)}]::text[]");
            t.HasCheckConstraint("ck_service_delivery_modes", $"delivery_modes <@ ARRAY[{Vocabulary.SqlList(Vocabulary.DeliveryModes)}]::text[]");
            t.HasCheckConstraint("ck_service_audience", $"audience <@ ARRAY[{Vocabulary.SqlList(Vocabulary.Audiences)}]::text[]");
            t.HasCheckConstraint("ck_service_platforms", $"platforms <@ ARRAY[{Vocabulary.SqlList(Vocabulary.Platforms)}]::text[]");
        });
        b.Property(x => x.Name).HasMaxLength(Limits.Name);
        b.Property(x => x.AlternateName).HasMaxLength(Limits.Name);
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.Property(x => x.Url).HasMaxLength(Limits.Url);
        b.Property(x => x.Email).HasMaxLength(Limits.Short);
        b.Property(x => x.Status).HasMaxLength(Limits.Code);
        b.Property(x => x.InterpretationServices).HasMaxLength(Limits.Text);
        b.Property(x => x.ApplicationProcess).HasMaxLength(Limits.Text);
        b.Property(x => x.FeesDescription).HasMaxLength(Limits.Text);
        b.Property(x => x.EligibilityDescription).HasMaxLength(Limits.Text);
        b.Property(x => x.Alert).HasMaxLength(Limits.Text);
        b.Property(x => x.AssurerEmail).HasMaxLength(Limits.Short);
        b.Property(x => x.Available24x7).HasColumnName("available_24_7");
        b.Property(x => x.Version).IsRowVersion();
        b.Property(x => x.Source).HasMaxLength(Limits.Short);
        b.Property(x => x.SourceId).HasMaxLength(Limits.Short);
        b.HasIndex(x => new { x.Source, x.SourceId }).IsUnique().HasFilter("source IS NOT NULL");
        b.Property(x => x.SearchDocument).HasComputedColumnSql(SearchDocumentSql, stored: true);
        b.HasIndex(x => x.SearchDocument).HasMethod("gin");
        b.HasOne(x => x.Organization).WithMany(o => o.Services).HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Phones).WithOne().HasForeignKey(p => p.ServiceId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(x => x.Schedules).WithOne().HasForeignKey(p => p.ServiceId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(x => x.ServiceAreas).WithOne().HasForeignKey(p => p.ServiceId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(x => x.Attributes).WithOne().HasForeignKey(p => p.ServiceId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => x.OrganizationId);
        b.HasIndex(x => x.LastModified);
        b.HasIndex(x => x.Status);
    }
}

internal sealed class PhoneConfiguration : IEntityTypeConfiguration<Phone>
{
    public void Configure(EntityTypeBuilder<Phone> b)
    {
        b.ToTable("phone", t => t.HasCheckConstraint("ck_phone_type", $"type IS NULL OR type IN ({Vocabulary.SqlList(Vocabulary.PhoneTypes)})"));
        b.Property(x => x.Number).HasMaxLength(Limits.Phone);
        b.Property(x => x.Type).HasMaxLength(Limits.Code);
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.HasIndex(x => x.ServiceId);
    }
}

internal sealed class ScheduleConfiguration : IEntityTypeConfiguration<Schedule>
{
    public void Configure(EntityTypeBuilder<Schedule> b)
    {
        b.ToTable("schedule", t =>
        {
            t.HasCheckConstraint("ck_schedule_byday", "byday ~ '^(MO|TU|WE|TH|FR|SA|SU)(,(MO|TU|WE|TH|FR|SA|SU))*$'");
            t.HasCheckConstraint("ck_schedule_validity", "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to");
        });
        b.Property(x => x.ByDay).HasColumnName("byday").HasMaxLength(Limits.Code);
        b.Property(x => x.TimeZone).HasMaxLength(Limits.Code);
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.Property(x => x.Notes).HasMaxLength(Limits.Text);
        b.HasIndex(x => x.ServiceId);
    }
}

internal sealed class ServiceAreaConfiguration : IEntityTypeConfiguration<ServiceArea>
{
    public void Configure(EntityTypeBuilder<ServiceArea> b)
    {
        b.ToTable("service_area", t => t.HasCheckConstraint("ck_service_area_has_extent", "extent IS NOT NULL OR cardinality(region_codes) > 0"));
        b.Property(x => x.Name).HasMaxLength(Limits.Name);
        b.Property(x => x.Description).HasMaxLength(Limits.Text);
        b.Property(x => x.Extent).HasColumnType("geography (multipolygon, 4326)");
        b.HasIndex(x => x.Extent).HasMethod("gist");
        b.HasIndex(x => x.RegionCodes).HasMethod("gin");
        b.HasIndex(x => x.ServiceId);
    }
}
