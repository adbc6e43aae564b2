using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Referral.Api.Features.Demand;
using Referral.Api.Features.Places;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Audit;

/// <summary>
/// Turns the change tracker's pending changes into audit entries, added to the same SaveChanges (so the same
/// transaction): a failed write leaves no audit entry, and no change goes unrecorded. Bulk reference data
/// (gazetteer places, demand points) is not audited row by row.
/// </summary>
internal static class AuditRecorder
{
    private static readonly HashSet<Type> Skipped = [typeof(AuditEntry), typeof(Place), typeof(DemandPoint)];

    // Never copy secrets or derived columns into the log (nor a gap analysis's computed results, which can be megabytes).
    private static readonly HashSet<string> SkippedProperties =
        ["Hash", "Salt", "Version", "LastModified", "SearchDocument", "PublicPoint", "Results"];

    public static List<AuditEntry> Collect(ChangeTracker tracker, string actor, DateTimeOffset at)
    {
        var entries = new List<AuditEntry>();
        foreach (var entry in tracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted) || Skipped.Contains(entry.Metadata.ClrType))
            {
                continue;
            }
            if (entry.Metadata.FindPrimaryKey()?.Properties is not [{ ClrType: var keyType } key] || keyType != typeof(Guid))
            {
                continue;
            }
            var changed = entry.Properties.Where(p => Recorded(p.Metadata) && (entry.State != EntityState.Modified || p.IsModified && !Equals(p.OriginalValue, p.CurrentValue))).ToList();
            if (entry.State == EntityState.Modified && changed.Count == 0)
            {
                continue;
            }
            entries.Add(new AuditEntry
            {
                At = at,
                Actor = actor,
                Action = entry.State switch { EntityState.Added => "create", EntityState.Deleted => "delete", _ => "update" },
                EntityType = entry.Metadata.GetTableName() ?? entry.Metadata.ClrType.Name,
                EntityId = (Guid)entry.Property(key.Name).CurrentValue!,
                Before = entry.State == EntityState.Added ? null : Serialize(changed, original: true),
                After = entry.State == EntityState.Deleted ? null : Serialize(changed, original: false),
            });
        }
        return entries;
    }

    private static bool Recorded(IProperty p) => !SkippedProperties.Contains(p.Name) && p.GetComputedColumnSql() is null;

    private static string Serialize(List<PropertyEntry> properties, bool original) =>
        JsonSerializer.Serialize(
            properties.ToDictionary(p => p.Metadata.GetColumnName(), p => original ? p.OriginalValue : p.CurrentValue),
            JsonSetup.Options);
}
