using Microsoft.EntityFrameworkCore;
using Referral.Api.Features.Access;
using Referral.Api.Features.Audit;
using Referral.Api.Features.Demand;
using Referral.Api.Features.Feedback;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Places;
using Referral.Api.Features.Regions;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.Data;

internal sealed class ReferralDbContext(DbContextOptions<ReferralDbContext> options, TimeProvider clock, ActorContext actor) : DbContext(options)
{
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<Service> Services => Set<Service>();
    public DbSet<Location> Locations => Set<Location>();
    public DbSet<Address> Addresses => Set<Address>();
    public DbSet<ServiceAtLocation> ServiceAtLocations => Set<ServiceAtLocation>();
    public DbSet<Phone> Phones => Set<Phone>();
    public DbSet<Schedule> Schedules => Set<Schedule>();
    public DbSet<ServiceArea> ServiceAreas => Set<ServiceArea>();
    public DbSet<Features.Taxonomy.Taxonomy> Taxonomies => Set<Features.Taxonomy.Taxonomy>();
    public DbSet<TaxonomyTerm> TaxonomyTerms => Set<TaxonomyTerm>();
    public DbSet<ServiceAttribute> ServiceAttributes => Set<ServiceAttribute>();
    public DbSet<Region> Regions => Set<Region>();
    public DbSet<Place> Places => Set<Place>();
    public DbSet<DemandDataset> DemandDatasets => Set<DemandDataset>();
    public DbSet<DemandPoint> DemandPoints => Set<DemandPoint>();
    public DbSet<Features.Gaps.GapAnalysis> GapAnalyses => Set<Features.Gaps.GapAnalysis>();
    public DbSet<Features.Gaps.GapPointResult> GapPointResults => Set<Features.Gaps.GapPointResult>();
    public DbSet<Features.Gaps.GapCellAccess> GapCellAccess => Set<Features.Gaps.GapCellAccess>();
    public DbSet<Features.Placements.Placement> Placements => Set<Features.Placements.Placement>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<FeedbackReport> Feedback => Set<FeedbackReport>();
    public DbSet<Features.Access.ApiKey> ApiKeys => Set<Features.Access.ApiKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasPostgresExtension("postgis");
        modelBuilder.HasPostgresExtension("unaccent");
        modelBuilder.HasPostgresExtension("pg_trgm");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ReferralDbContext).Assembly);
        SqlFunctions.Register(modelBuilder);

        // Ids come from documents (HSDS UUIDs) or from us, never from the database: a set key means "this id", not "existing row".
        foreach (var key in modelBuilder.Model.GetEntityTypes().Select(t => t.FindPrimaryKey()).OfType<Microsoft.EntityFrameworkCore.Metadata.IMutableKey>())
        {
            if (key.Properties is [{ ClrType: var type } id] && type == typeof(Guid))
            {
                id.ValueGenerated = Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.Never;
            }
        }
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        BeforeSave();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        BeforeSave();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    // last_modified and the audit log are maintained here, in one place, for every change.
    private void BeforeSave()
    {
        ChangeTracker.DetectChanges();
        var now = clock.GetUtcNow();
        AuditEntries.AddRange(AuditRecorder.Collect(ChangeTracker, actor.Current.Name, now));
        foreach (var entry in ChangeTracker.Entries<IVersioned>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified)
            {
                entry.Entity.LastModified = now;
            }
        }
    }
}
