using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Audit;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Exports;

/// <summary>
/// Reads whole directories for export in batches of <see cref="Batch"/>, in id order (keyset: every batch is one indexed
/// range scan, however deep into the directory), so an export streams in constant memory.
/// </summary>
internal sealed class ExportQueries(ReferralDbContext db, TimeProvider clock)
{
    public const int Batch = 500;

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    /// <summary>Services of <paramref name="selection"/>, fully loaded, in id order.</summary>
    public async IAsyncEnumerable<Service> ServicesAsync(IQueryable<Service> selection, [EnumeratorCancellation] CancellationToken ct)
    {
        Guid? last = null;
        while (true)
        {
            var page = last is { } after ? selection.Where(s => s.Id.CompareTo(after) > 0) : selection;
            var ids = await page.OrderBy(s => s.Id).Select(s => s.Id).Take(Batch).ToListAsync(ct);
            if (ids.Count == 0)
            {
                yield break;
            }
            var rows = await ServiceQueries.Full(db.Services.AsNoTracking()).Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
            foreach (var id in ids)
            {
                if (rows.TryGetValue(id, out var service))
                {
                    yield return service;
                }
            }
            last = ids[^1];
        }
    }

    /// <summary>Services of <paramref name="selection"/> with what the list endpoints show (organization, categories), in id order.</summary>
    public static async IAsyncEnumerable<Service> ServiceSummariesAsync(IQueryable<Service> selection, [EnumeratorCancellation] CancellationToken ct)
    {
        Guid? last = null;
        while (true)
        {
            var page = last is { } after ? selection.Where(s => s.Id.CompareTo(after) > 0) : selection;
            var rows = await page.OrderBy(s => s.Id).Take(Batch)
                .Include(s => s.Organization)
                .Include(s => s.Attributes).ThenInclude(a => a.TaxonomyTerm!).ThenInclude(t => t.Taxonomy)
                .AsSplitQuery()
                .ToListAsync(ct);
            foreach (var s in rows)
            {
                yield return s;
            }
            if (rows.Count < Batch)
            {
                yield break;
            }
            last = rows[^1].Id;
        }
    }

    public static async IAsyncEnumerable<Organization> OrganizationsAsync(IQueryable<Organization> selection, [EnumeratorCancellation] CancellationToken ct)
    {
        Guid? last = null;
        while (true)
        {
            var page = last is { } after ? selection.Where(o => o.Id.CompareTo(after) > 0) : selection;
            var rows = await page.OrderBy(o => o.Id).Take(Batch).ToListAsync(ct);
            foreach (var o in rows)
            {
                yield return o;
            }
            if (rows.Count < Batch)
            {
                yield break;
            }
            last = rows[^1].Id;
        }
    }

    public IQueryable<Service> Services => db.Services.AsNoTracking();

    public IQueryable<Organization> Organizations => db.Organizations.AsNoTracking();

    public IQueryable<ServiceAtLocations.ServiceAtLocation> ServiceAtLocations => db.ServiceAtLocations.AsNoTracking();

    /// <summary>
    /// HSDS <c>metadata</c> for records, derived from the audit log: each record's last change (when, what kind, by whom,
    /// which fields). <paramref name="detailed"/> (admin exports) adds the values and the actor; the public sees neither.
    /// </summary>
    public async Task<Dictionary<Guid, JsonArray>> MetadataAsync(string entityType, IReadOnlyCollection<Guid> ids, bool detailed, CancellationToken ct)
    {
        var entries = await db.AuditEntries.AsNoTracking()
            .Where(e => e.EntityType == entityType && ids.Contains(e.EntityId))
            .GroupBy(e => e.EntityId)
            .Select(g => g.OrderByDescending(e => e.Id).First())
            .ToListAsync(ct);
        return entries.ToDictionary(e => e.EntityId, e => new JsonArray(Metadata(e, detailed)));
    }

    private static JsonObject Metadata(AuditEntry e, bool detailed)
    {
        var before = Parse(e.Before);
        var after = Parse(e.After);
        var fields = (after ?? before)?.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray() ?? [];
        return new JsonObject
        {
            ["id"] = DeterministicGuid.Create(e.EntityId, "metadata:" + e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["resource_id"] = e.EntityId,
            ["resource_type"] = e.EntityType,
            ["last_action_date"] = e.At.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["last_action_type"] = e.Action,
            ["field_name"] = e.Action == "update" ? string.Join(", ", fields) : "",
            ["previous_value"] = detailed && e.Action == "update" ? Clip(before?.ToJsonString(JsonSetup.Options)) : "",
            ["replacement_value"] = detailed && e.Action == "update" ? Clip(after?.ToJsonString(JsonSetup.Options)) : "",
            ["updated_by"] = detailed ? e.Actor : "directory editor",
        };
    }

    private static string Clip(string? text) => text is null ? "" : text.Length <= 2000 ? text : text[..2000] + "…";

    private static JsonObject? Parse(string? json) => json is null ? null : JsonNode.Parse(json) as JsonObject;

    /// <summary>The document as JSON, with <c>metadata</c> added when given.</summary>
    public static JsonNode WithMetadata(ServiceDocument doc, JsonArray? metadata)
    {
        var node = JsonSerializer.SerializeToNode(doc, JsonSetup.Options)!;
        if (metadata is not null)
        {
            node["metadata"] = metadata;
        }
        return node;
    }
}
