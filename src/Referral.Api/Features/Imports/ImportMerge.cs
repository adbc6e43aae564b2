using Npgsql;
using NpgsqlTypes;
using Referral.Api.Features.Services;

namespace Referral.Api.Features.Imports;

/// <summary>
/// Which fields an import speaks for. An HSDS document is complete, so it replaces the whole record (as <c>PUT</c> does);
/// a flat file only has some columns, so on an existing record only those are changed and everything else (schedules
/// added by an editor, say) is left alone.
/// </summary>
internal sealed record ImportScope
{
    public static readonly string[] AllServiceColumns =
    [
        "organization_id", "name", "alternate_name", "description", "url", "email", "status", "interpretation_services",
        "application_process", "fees_description", "eligibility_description", "minimum_age", "maximum_age", "alert", "assured_date",
        "assurer_email", "is_free", "available_24_7", "genders", "delivery_modes", "languages", "audience", "platforms", "is_demo",
    ];

    public static readonly string[] AllLocationColumns =
        ["organization_id", "name", "alternate_name", "description", "location_type", "url", "transportation", "accessibility", "point", "visibility", "is_demo"];

    public static readonly string[] AllOrganizationColumns =
        ["name", "alternate_name", "description", "email", "website", "legal_status", "year_incorporated", "is_demo"];

    public required IReadOnlyList<string> ServiceColumns { get; init; }
    public required IReadOnlyList<string> LocationColumns { get; init; }
    public required IReadOnlyList<string> OrganizationColumns { get; init; }

    /// <summary>The records' service-at-locations (and so which locations they are at).</summary>
    public bool Locations { get; init; }

    public bool Addresses { get; init; }
    public bool Phones { get; init; }
    public bool Schedules { get; init; }
    public bool Areas { get; init; }

    /// <summary>Only services the input gives an area change theirs (a flat file without a service_area column: defaults only).</summary>
    public bool AreasGivenOnly { get; init; }

    /// <summary>Attributes of the referral-category taxonomy.</summary>
    public bool Categories { get; init; }

    /// <summary>Attributes of every other taxonomy.</summary>
    public bool OtherAttributes { get; init; }

    public static readonly ImportScope Full = new()
    {
        ServiceColumns = AllServiceColumns,
        LocationColumns = AllLocationColumns,
        OrganizationColumns = AllOrganizationColumns,
        Locations = true,
        Addresses = true,
        Phones = true,
        Schedules = true,
        Areas = true,
        Categories = true,
        OtherAttributes = true,
    };

    /// <summary>The scope of a flat file with these target columns (see <see cref="CsvMapping.Targets"/>).</summary>
    public static ImportScope ForFlat(HashSet<string> covered, bool hasLocations)
    {
        var service = AllServiceColumns.Where(c => covered.Contains(c)).ToList();
        if (covered.Contains("organization") || covered.Contains("organization_id"))
        {
            service.Add("organization_id");
        }
        service.Add("status");
        var location = new List<string>();
        if (covered.Contains("location_name") || covered.Contains("name"))
        {
            location.Add("name");
        }
        foreach (var (target, column) in new[]
        {
            ("location_type", "location_type"), ("visibility", "visibility"), ("latitude", "point"), ("location_description", "description"),
            ("transportation", "transportation"), ("accessibility", "accessibility"),
        })
        {
            if (covered.Contains(target))
            {
                location.Add(column);
            }
        }
        return new ImportScope
        {
            ServiceColumns = [.. service.Distinct()],
            LocationColumns = location,
            OrganizationColumns = ["name"],
            Locations = hasLocations,
            Addresses = new[] { "address_1", "address_2", "city", "region", "state_province", "postal_code", "country" }.Any(covered.Contains),
            Phones = covered.Contains("phones"),
            // Without a service_area column, areas come only from defaults (a helpline's country) and replace nothing else.
            Areas = covered.Contains("service_area") || covered.Contains("categories"),
            AreasGivenOnly = !covered.Contains("service_area"),
            Categories = covered.Contains("categories"),
        };
    }
}

/// <summary>What the merge did, per kind of record.</summary>
internal sealed record MergeCounts(EntityCounts Services, EntityCounts Locations, EntityCounts Organizations, long TermsCreated);

/// <summary>
/// Writes the staged records into the directory with set-based statements, in the import's transaction: changed rows are
/// updated (unchanged ones are not touched, so their <c>last_modified</c> and ETag stay), new ones inserted, the parts of each
/// record (phones, schedules, areas, attributes, service-at-locations, addresses) made equal to the input within the scope,
/// locations no service uses any more removed, and every change written to <c>audit_entry</c> by the same statements —
/// as <see cref="Audit.AuditRecorder"/> does for changes made through EF.
/// </summary>
internal sealed class ImportMerge(NpgsqlConnection conn, ImportScope scope, DateTimeOffset now, string actor)
{
    /// <summary>Milliseconds per step of the last <see cref="RunAsync"/> (in the report as <c>merge.&lt;step&gt;</c>).</summary>
    public Dictionary<string, long> Steps { get; } = new(StringComparer.Ordinal);

    private readonly System.Diagnostics.Stopwatch _lap = new();

    private void Lap(string step)
    {
        Steps["merge." + step] = Steps.GetValueOrDefault("merge." + step) + _lap.ElapsedMilliseconds;
        _lap.Restart();
    }

    private static readonly string[] ChildTables = ["phone", "schedule", "service_area", "address", "service_at_location", "attribute"];

    /// <summary>Records whose parts collide with rows of other records in the directory (an id reused for another service).</summary>
    public async Task<List<(int Rec, string Message)>> FindConflictsAsync(CancellationToken ct)
    {
        var sql = """
            SELECT s.rec, 'service ' || s.id || ' already exists from source ''' || t.source || ''' (here: ''' || s.source || ''')'
            FROM imp_service s JOIN service t ON t.id = s.id
            WHERE t.source IS NOT NULL AND t.source <> s.source
            UNION ALL
            SELECT x.rec, 'phone ' || x.id || ' belongs to another service' FROM imp_phone x JOIN phone p ON p.id = x.id WHERE p.service_id <> x.service_id
            UNION ALL
            SELECT x.rec, 'schedule ' || x.id || ' belongs to another service' FROM imp_schedule x JOIN schedule p ON p.id = x.id WHERE p.service_id <> x.service_id
            UNION ALL
            SELECT x.rec, 'service area ' || x.id || ' belongs to another service' FROM imp_area x JOIN service_area p ON p.id = x.id WHERE p.service_id <> x.service_id
            UNION ALL
            SELECT x.rec, 'service_at_location ' || x.id || ' links another service and location' FROM imp_sal x JOIN service_at_location p ON p.id = x.id
            WHERE (p.service_id, p.location_id) <> (x.service_id, x.location_id)
            UNION ALL
            SELECT x.rec, 'attribute ' || x.id || ' belongs to another service or term' FROM imp_attribute x JOIN attribute p ON p.id = x.id
            WHERE (p.service_id, p.taxonomy_term_id) <> (x.service_id, x.taxonomy_term_id)
            UNION ALL
            SELECT s.rec, 'address ' || x.id || ' belongs to another location' FROM imp_address x JOIN address p ON p.id = x.id
            JOIN imp_sal s ON s.location_id = x.location_id WHERE p.location_id <> x.location_id
            """;
        var result = new List<(int, string)>();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add((reader.GetInt32(0), reader.GetString(1)));
        }
        return result;
    }

    /// <summary>Takes the given records out of the staging tables, and locations and implied organizations nothing uses any more.</summary>
    public async Task RemoveAsync(IReadOnlyCollection<int> recs, CancellationToken ct)
    {
        if (recs.Count > 0)
        {
            foreach (var table in new[] { "imp_service", "imp_sal", "imp_phone", "imp_schedule", "imp_area", "imp_attribute" })
            {
                await ExecAsync($"DELETE FROM {table} WHERE rec = ANY(@recs)", ct, ("recs", recs.ToArray()));
            }
        }
        await ExecAsync("DELETE FROM imp_location l WHERE NOT EXISTS (SELECT 1 FROM imp_sal x WHERE x.location_id = l.id)", ct);
        await ExecAsync("DELETE FROM imp_address a WHERE NOT EXISTS (SELECT 1 FROM imp_location l WHERE l.id = a.location_id)", ct);
        await ExecAsync("DELETE FROM imp_organization o WHERE o.implied AND NOT EXISTS (SELECT 1 FROM imp_service s WHERE s.organization_id = o.id)", ct);
    }

    /// <summary>Services already in the directory within 50 m, of a shared category and with a similar name.</summary>
    public async Task<List<(int Rec, string Message)>> FindDirectoryDuplicatesAsync(int limit, CancellationToken ct)
    {
        // Step by step, each step materialised: the staged tables have no statistics on how they relate to the directory,
        // and left to itself the planner underestimated the anti-join and compared every close pair with every staged
        // row (minutes at 1M rows). Each step here is small after the first (a spatial index probe per staged point),
        // and the later ones are hash joins over it: about 8 s for 1M staged rows against a small directory.
        const string Sql = """
            WITH near AS MATERIALIZED (
                SELECT sl.id AS staged, l.id AS existing, ST_Distance(l.point, sl.point) AS metres
                FROM imp_location sl JOIN location l ON ST_DWithin(l.point, sl.point, 50) AND l.id <> sl.id
                WHERE sl.point IS NOT NULL),
            candidate AS MATERIALIZED (
                SELECT ss.service_id AS staged_service, n.existing, n.metres
                FROM near n JOIN imp_sal ss ON ss.location_id = n.staged),
            alike AS MATERIALIZED (
                SELECT s.rec, s.id AS staged_service, other.id AS other_id, other.name AS other_name, c.metres
                FROM candidate c
                JOIN imp_service s ON s.id = c.staged_service
                JOIN service_at_location x ON x.location_id = c.existing
                JOIN service other ON other.id = x.service_id AND other.id <> s.id
                WHERE similarity(f_unaccent(s.name), f_unaccent(other.name)) >= 0.5),
            same_category AS MATERIALIZED (
                SELECT DISTINCT p.rec, p.other_id, p.other_name, p.metres
                FROM alike p
                JOIN imp_attribute a ON a.service_id = p.staged_service
                JOIN attribute b ON b.service_id = p.other_id AND b.taxonomy_term_id = a.taxonomy_term_id)
            SELECT DISTINCT ON (p.rec) p.rec, p.other_name, p.other_id, round(p.metres::numeric, 0)
            FROM same_category p
            WHERE NOT EXISTS (SELECT 1 FROM imp_service again WHERE again.id = p.other_id)
            ORDER BY p.rec, p.metres
            LIMIT @limit
            """;
        var result = new List<(int, string)>();
        await using var cmd = new NpgsqlCommand(Sql, conn) { CommandTimeout = 0 };
        cmd.Parameters.AddWithValue("limit", limit);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add((reader.GetInt32(0),
                $"probably the same as '{Infrastructure.FieldErrors.Clip(reader.GetString(1))}' ({reader.GetGuid(2)}), already in the directory {reader.GetDecimal(3)} m away with the same category."));
        }
        return result;
    }

    public async Task<MergeCounts> RunAsync(IReadOnlyList<TaxonomyImport.NewTaxonomy> taxonomies, IReadOnlyList<TaxonomyImport.NewTerm> terms, CancellationToken ct)
    {
        _lap.Restart();
        await ExecAsync("""
            CREATE TEMP TABLE imp_existing (entity text, id uuid) ON COMMIT DROP;
            CREATE TEMP TABLE imp_changed (entity text, id uuid, before jsonb, after jsonb) ON COMMIT DROP;
            CREATE TEMP TABLE imp_touched (entity text, id uuid, kind text, public boolean NOT NULL DEFAULT true) ON COMMIT DROP;
            CREATE TEMP TABLE imp_dropped (location_id uuid) ON COMMIT DROP;
            INSERT INTO imp_existing SELECT 'organization', s.id FROM imp_organization s JOIN organization t ON t.id = s.id;
            INSERT INTO imp_existing SELECT 'location', s.id FROM imp_location s JOIN location t ON t.id = s.id;
            INSERT INTO imp_existing SELECT 'service', s.id FROM imp_service s JOIN service t ON t.id = s.id;
            CREATE INDEX ON imp_existing (entity, id);
            ANALYZE imp_existing;
            """, ct);
        var termsCreated = await CreateTermsAsync(taxonomies, terms, ct);
        Lap("prepare");

        var organizations = await MergeRootAsync("organization", "imp_organization", scope.OrganizationColumns, ScopeColumns("organization"), ct);
        Lap("organization");
        var placesSeen = await RememberPublicPlacesAsync(ct);
        var locations = await MergeRootAsync("location", "imp_location", scope.LocationColumns, ScopeColumns("location"), ct);
        Lap("location");
        if (scope.Addresses)
        {
            await SyncChildrenAsync("address", "imp_address", "location_id", "location", "addresses",
                ["attention", "address_1", "address_2", "city", "region", "state_province", "postal_code", "country", "address_type"],
                "AND NOT EXISTS (SELECT 1 FROM imp_location k WHERE k.id = p.location_id AND k.keep_addresses)", ct);
        }
        Lap("address");
        var services = await MergeRootAsync("service", "imp_service", scope.ServiceColumns, ScopeColumns("service"), ct);
        Lap("service");
        if (scope.Phones)
        {
            await SyncPhonesAsync(ct);
        }
        if (scope.Schedules)
        {
            await SyncChildrenAsync("schedule", "imp_schedule", "service_id", "service", "schedules",
                ["byday", "opens_at", "closes_at", "valid_from", "valid_to", "time_zone", "description", "notes"], "", ct);
        }
        if (scope.Areas)
        {
            await SyncChildrenAsync("service_area", "(SELECT rec, id, service_id, name, description, ST_GeomFromWKB(extent_wkb, 4326)::geography AS extent, region_codes FROM imp_area)",
                "service_id", "service", "service_areas", ["name", "description", "extent", "region_codes"],
                scope.AreasGivenOnly ? "AND EXISTS (SELECT 1 FROM imp_area k WHERE k.service_id = p.service_id)" : "", ct);
        }
        Lap("phone_schedule_area");
        if (scope.Categories || scope.OtherAttributes)
        {
            await SyncAttributesAsync(ct);
        }
        Lap("attribute");
        var deletedLocations = 0L;
        if (scope.Locations)
        {
            await SyncServiceAtLocationsAsync(ct);
            deletedLocations = await DeleteUnusedLocationsAsync(ct);
        }
        if (placesSeen)
        {
            await TouchServicesOfChangedPlacesAsync(ct);
        }
        Lap("service_at_location");
        await TouchAsync("service", ct);
        await TouchAsync("location", ct);
        await AuditUpdatesAsync(ct);
        Lap("touch_audit");
        return new MergeCounts(
            await CountAsync("service", services, 0, ct),
            await CountAsync("location", locations, deletedLocations, ct),
            await CountAsync("organization", organizations, 0, ct),
            termsCreated);
    }

    private async Task<EntityCounts> CountAsync(string entity, (long Created, long Total) merged, long deleted, CancellationToken ct)
    {
        // Only the import's own records count: a service not in the file is touched when a place it shares changed.
        var updated = await ScalarAsync($"""
            SELECT count(*) FROM (SELECT id FROM imp_changed WHERE entity = '{entity}' UNION SELECT id FROM imp_touched WHERE entity = '{entity}') u
            WHERE u.id IN (SELECT id FROM imp_{entity})
            """, ct);
        return new EntityCounts(merged.Created, updated, merged.Total - merged.Created - updated, deleted);
    }

    /// <summary>Comparable SQL for a column of <paramref name="alias"/> (geographies compare as WKB).</summary>
    private static string Expr(string alias, string column) => column switch
    {
        "point" or "extent" => $"ST_AsBinary({alias}.{column})",
        _ => $"{alias}.{column}",
    };

    /// <summary>As the audit log shows a column's value.</summary>
    private static string JsonExpr(string alias, string column) => column switch
    {
        "point" or "extent" => $"ST_AsGeoJSON({alias}.{column})::jsonb",
        _ => $"to_jsonb({alias}.{column})",
    };

    private static IReadOnlyList<string> ScopeColumns(string entity) => entity switch
    {
        "organization" => [.. ImportScope.AllOrganizationColumns, "source", "source_id"],
        "location" => [.. ImportScope.AllLocationColumns, "source", "source_id"],
        _ => [.. ImportScope.AllServiceColumns, "source", "source_id"],
    };

    /// <summary>Updates the changed rows (within <paramref name="updated"/>), inserts the new ones, audits both.</summary>
    private async Task<(long Created, long Total)> MergeRootAsync(string entity, string staged, IReadOnlyList<string> updated, IReadOnlyList<string> inserted, CancellationToken ct)
    {
        var changedCount = 0L;
        // A first load (nothing staged is in the directory yet) has nothing to compare: the update pass is skipped.
        if (updated.Count > 0 && await ScalarAsync($"SELECT count(*) FROM (SELECT 1 FROM imp_existing WHERE entity = '{entity}' LIMIT 1) e", ct) > 0)
        {
            var tCols = string.Join(", ", updated.Select(c => Expr("t", c)));
            var sCols = string.Join(", ", updated.Select(c => Expr("s", c)));
            var pairs = string.Join(", ", updated.Select(c => $"'{c}', {JsonExpr("t", c)}"));
            var newPairs = string.Join(", ", updated.Select(c => $"'{c}', {JsonExpr("s", c)}"));
            changedCount = await ExecAsync($"""
                INSERT INTO imp_changed (entity, id, before, after)
                SELECT '{entity}', s.id, d.before, d.after
                FROM {staged} s JOIN {entity} t ON t.id = s.id
                CROSS JOIN LATERAL (
                    SELECT jsonb_object_agg(o.key, o.value) AS before, jsonb_object_agg(o.key, n.value) AS after
                    FROM jsonb_each(jsonb_build_object({pairs})) o
                    JOIN jsonb_each(jsonb_build_object({newPairs})) n ON n.key = o.key
                    WHERE o.value IS DISTINCT FROM n.value) d
                WHERE ({tCols}) IS DISTINCT FROM ({sCols})
                """, ct);
            if (changedCount > 0)
            {
                var set = string.Join(", ", updated.Select(c => $"{c} = s.{c}"));
                await ExecAsync($"""
                    UPDATE {entity} t SET {set}, last_modified = @now{(entity == "service" ? ", public_last_modified = NULL" : "")}
                    FROM {staged} s
                    WHERE t.id = s.id AND EXISTS (SELECT 1 FROM imp_changed c WHERE c.entity = '{entity}' AND c.id = s.id)
                    """, ct, ("now", now));
            }
        }
        var columns = string.Join(", ", inserted);
        var values = string.Join(", ", inserted.Select(c => $"s.{c}"));
        var lastModified = entity == "location" ? "@now" : "coalesce(s.last_modified, @now)";
        var created = await ExecAsync($"""
            INSERT INTO {entity} (id, {columns}, last_modified)
            SELECT s.id, {values}, {lastModified} FROM {staged} s
            WHERE NOT EXISTS (SELECT 1 FROM imp_existing e WHERE e.entity = '{entity}' AND e.id = s.id)
            """, ct, ("now", now));
        await ExecAsync($"""
            INSERT INTO audit_entry (at, actor, action, entity_type, entity_id, before, after)
            SELECT @now, @actor, 'create', '{entity}', s.id, NULL, s.audit FROM {staged} s
            WHERE NOT EXISTS (SELECT 1 FROM imp_existing e WHERE e.entity = '{entity}' AND e.id = s.id)
            """, ct, ("now", now), ("actor", actor));
        return (created, await ScalarAsync($"SELECT count(*) FROM {staged}", ct));
    }

    /// <summary>
    /// Makes the children of every staged parent equal to the staged children: children of new parents are inserted; for
    /// parents already in the directory, missing ones are deleted, changed ones updated and new ones inserted, and the parent
    /// is recorded as touched (its <c>last_modified</c> and audit entry follow).
    /// </summary>
    private async Task SyncChildrenAsync(string table, string staged, string parent, string parentEntity, string kind, string[] columns, string extraDeleteFilter, CancellationToken ct)
    {
        var cols = string.Join(", ", columns);
        var xCols = string.Join(", ", columns.Select(c => $"x.{c}"));
        var insertNew = $"""
            INSERT INTO {table} (id, {parent}, {cols})
            SELECT x.id, x.{parent}, {xCols} FROM {staged} x
            WHERE NOT EXISTS (SELECT 1 FROM imp_existing e WHERE e.entity = '{parentEntity}' AND e.id = x.{parent})
            """;
        await ExecAsync(insertNew, ct);
        if (await ScalarAsync($"SELECT count(*) FROM imp_existing WHERE entity = '{parentEntity}'", ct) == 0)
        {
            return;
        }
        var set = string.Join(", ", columns.Select(c => $"{c} = x.{c}"));
        var pCmp = string.Join(", ", columns.Select(c => Expr("p", c)));
        var xCmp = string.Join(", ", columns.Select(c => Expr("x", c)));
        await ExecAsync($"""
            WITH gone AS (
                DELETE FROM {table} p USING imp_existing e
                WHERE e.entity = '{parentEntity}' AND p.{parent} = e.id {extraDeleteFilter}
                  AND NOT EXISTS (SELECT 1 FROM {staged} x WHERE x.id = p.id AND x.{parent} = p.{parent})
                RETURNING p.{parent}),
            changed AS (
                UPDATE {table} p SET {set}
                FROM {staged} x JOIN imp_existing e ON e.entity = '{parentEntity}' AND e.id = x.{parent}
                WHERE p.id = x.id AND p.{parent} = x.{parent} AND ({pCmp}) IS DISTINCT FROM ({xCmp})
                RETURNING p.{parent}),
            added AS (
                INSERT INTO {table} (id, {parent}, {cols})
                SELECT x.id, x.{parent}, {xCols} FROM {staged} x JOIN imp_existing e ON e.entity = '{parentEntity}' AND e.id = x.{parent}
                WHERE NOT EXISTS (SELECT 1 FROM {table} p WHERE p.id = x.id)
                RETURNING {parent})
            INSERT INTO imp_touched (entity, id, kind)
            SELECT DISTINCT '{parentEntity}', z.id, '{kind}' FROM (
                SELECT {parent} AS id FROM gone UNION ALL SELECT {parent} FROM changed UNION ALL SELECT {parent} FROM added) z
            """, ct);
    }

    /// <summary>Phones are matched by id, or else by (service, number): inputs without phone ids still update in place.</summary>
    private async Task SyncPhonesAsync(CancellationToken ct)
    {
        await ExecAsync("""
            INSERT INTO phone (id, service_id, number, extension, type, description, languages)
            SELECT x.id, x.service_id, x.number, x.extension, x.type, x.description, x.languages FROM imp_phone x
            WHERE NOT EXISTS (SELECT 1 FROM imp_existing e WHERE e.entity = 'service' AND e.id = x.service_id)
            """, ct);
        if (await ScalarAsync("SELECT count(*) FROM imp_existing WHERE entity = 'service'", ct) == 0)
        {
            return;
        }
        await ExecAsync("""
            CREATE TEMP TABLE imp_phone_match ON COMMIT DROP AS
            SELECT DISTINCT ON (x.id) x.id AS staged, p.id AS existing
            FROM imp_phone x JOIN imp_existing e ON e.entity = 'service' AND e.id = x.service_id
            JOIN phone p ON p.service_id = x.service_id AND (p.id = x.id OR p.number = x.number)
            ORDER BY x.id, (p.id = x.id) DESC;
            WITH gone AS (
                DELETE FROM phone p USING imp_existing e
                WHERE e.entity = 'service' AND p.service_id = e.id AND NOT EXISTS (SELECT 1 FROM imp_phone_match m WHERE m.existing = p.id)
                RETURNING p.service_id),
            changed AS (
                UPDATE phone p SET number = x.number, extension = x.extension, type = x.type, description = x.description, languages = x.languages
                FROM imp_phone_match m JOIN imp_phone x ON x.id = m.staged
                WHERE p.id = m.existing
                  AND (p.number, p.extension, p.type, p.description, p.languages) IS DISTINCT FROM (x.number, x.extension, x.type, x.description, x.languages)
                RETURNING p.service_id),
            added AS (
                INSERT INTO phone (id, service_id, number, extension, type, description, languages)
                SELECT x.id, x.service_id, x.number, x.extension, x.type, x.description, x.languages
                FROM imp_phone x JOIN imp_existing e ON e.entity = 'service' AND e.id = x.service_id
                WHERE NOT EXISTS (SELECT 1 FROM imp_phone_match m WHERE m.staged = x.id)
                RETURNING service_id)
            INSERT INTO imp_touched (entity, id, kind)
            SELECT DISTINCT 'service', z.id, 'phones' FROM (
                SELECT service_id AS id FROM gone UNION ALL SELECT service_id FROM changed UNION ALL SELECT service_id FROM added) z
            """, ct);
    }

    /// <summary>Attributes are matched by (service, term), as the writer keeps one per term; the scope decides which taxonomies.</summary>
    private async Task SyncAttributesAsync(CancellationToken ct)
    {
        var isCategory = $"EXISTS (SELECT 1 FROM taxonomy_term tt JOIN taxonomy tx ON tx.id = tt.taxonomy_id WHERE tt.id = p.taxonomy_term_id AND tx.name = '{ServiceMapping.CategoryTaxonomy}')";
        var inScope = (scope.Categories, scope.OtherAttributes) switch
        {
            (true, true) => "true",
            (true, false) => isCategory,
            _ => "NOT " + isCategory,
        };
        await ExecAsync("""
            INSERT INTO attribute (id, service_id, taxonomy_term_id, value)
            SELECT x.id, x.service_id, x.taxonomy_term_id, x.value FROM imp_attribute x
            WHERE NOT EXISTS (SELECT 1 FROM imp_existing e WHERE e.entity = 'service' AND e.id = x.service_id)
            """, ct);
        await ExecAsync($"""
            WITH gone AS (
                DELETE FROM attribute p USING imp_existing e
                WHERE e.entity = 'service' AND p.service_id = e.id AND {inScope}
                  AND NOT EXISTS (SELECT 1 FROM imp_attribute x WHERE x.service_id = p.service_id AND x.taxonomy_term_id = p.taxonomy_term_id)
                RETURNING p.service_id),
            changed AS (
                UPDATE attribute p SET value = x.value
                FROM imp_attribute x JOIN imp_existing e ON e.entity = 'service' AND e.id = x.service_id
                WHERE p.service_id = x.service_id AND p.taxonomy_term_id = x.taxonomy_term_id AND p.value IS DISTINCT FROM x.value
                RETURNING p.service_id),
            added AS (
                INSERT INTO attribute (id, service_id, taxonomy_term_id, value)
                SELECT x.id, x.service_id, x.taxonomy_term_id, x.value FROM imp_attribute x JOIN imp_existing e ON e.entity = 'service' AND e.id = x.service_id
                WHERE NOT EXISTS (SELECT 1 FROM attribute p WHERE p.service_id = x.service_id AND p.taxonomy_term_id = x.taxonomy_term_id)
                RETURNING service_id)
            INSERT INTO imp_touched (entity, id, kind)
            SELECT DISTINCT 'service', z.id, 'taxonomy_term_ids' FROM (
                SELECT service_id AS id FROM gone UNION ALL SELECT service_id FROM changed UNION ALL SELECT service_id FROM added) z
            """, ct);
    }

    /// <summary>
    /// Links are matched by (service, location), as the unique index does; dropped links are remembered to clean up locations.
    /// A link the public cannot see does not change the service's public version (as <see cref="ServiceVersions.PublicFingerprint"/>
    /// in the writer): one to a hidden location (before the import for a dropped link, after it for a new one), or a changed
    /// description of a link to a place the public sees only generalised.
    /// </summary>
    private async Task SyncServiceAtLocationsAsync(CancellationToken ct)
    {
        await ExecAsync("""
            INSERT INTO service_at_location (id, service_id, location_id, description)
            SELECT x.id, x.service_id, x.location_id, x.description FROM imp_sal x
            WHERE NOT EXISTS (SELECT 1 FROM imp_existing e WHERE e.entity = 'service' AND e.id = x.service_id)
            """, ct);
        await ExecAsync("""
            WITH gone AS (
                DELETE FROM service_at_location p USING imp_existing e
                WHERE e.entity = 'service' AND p.service_id = e.id
                  AND NOT EXISTS (SELECT 1 FROM imp_sal x WHERE x.service_id = p.service_id AND x.location_id = p.location_id)
                RETURNING p.service_id, p.location_id),
            dropped AS (INSERT INTO imp_dropped SELECT location_id FROM gone),
            changed AS (
                UPDATE service_at_location p SET description = x.description
                FROM imp_sal x JOIN imp_existing e ON e.entity = 'service' AND e.id = x.service_id
                WHERE p.service_id = x.service_id AND p.location_id = x.location_id AND p.description IS DISTINCT FROM x.description
                RETURNING p.service_id, p.location_id),
            added AS (
                INSERT INTO service_at_location (id, service_id, location_id, description)
                SELECT x.id, x.service_id, x.location_id, x.description FROM imp_sal x JOIN imp_existing e ON e.entity = 'service' AND e.id = x.service_id
                WHERE NOT EXISTS (SELECT 1 FROM service_at_location p WHERE p.service_id = x.service_id AND p.location_id = x.location_id)
                RETURNING service_id, location_id),
            -- each location's visibility now (the locations are merged already) and before this import
            seen AS (
                SELECT l.id, l.visibility AS now, coalesce(c.before ->> 'visibility', l.visibility) AS before
                FROM location l LEFT JOIN imp_changed c ON c.entity = 'location' AND c.id = l.id
                WHERE l.id IN (SELECT location_id FROM gone UNION SELECT location_id FROM changed UNION SELECT location_id FROM added))
            INSERT INTO imp_touched (entity, id, kind, public)
            SELECT DISTINCT 'service', z.id, 'location_ids', z.public FROM (
                SELECT g.service_id AS id, v.before <> 'hidden' AS public FROM gone g JOIN seen v ON v.id = g.location_id
                UNION ALL SELECT c.service_id, 'public' IN (v.before, v.now) FROM changed c JOIN seen v ON v.id = c.location_id
                UNION ALL SELECT a.service_id, v.now <> 'hidden' FROM added a JOIN seen v ON v.id = a.location_id) z
            """, ct);
    }

    /// <summary>The first address's country of a location, as the public label of a generalised place names it.</summary>
    private const string LabelCountry = "(SELECT a.country FROM address a WHERE a.location_id = l.id AND length(a.country) = 2 ORDER BY a.id LIMIT 1)";

    /// <summary>
    /// What the public sees of the directory's places this import may change (their public form: visibility, generalised
    /// point, type, organization, the label's country), before the merge changes them. False when none is in the directory.
    /// </summary>
    private async Task<bool> RememberPublicPlacesAsync(CancellationToken ct)
    {
        await ExecAsync($"""
            CREATE TEMP TABLE imp_place_before ON COMMIT DROP AS
            SELECT l.id, l.visibility, l.public_point, l.location_type, l.organization_id, l.is_demo, {LabelCountry} AS country
            FROM location l JOIN imp_existing e ON e.entity = 'location' AND e.id = l.id
            """, ct);
        return await ScalarAsync("SELECT count(*) FROM (SELECT 1 FROM imp_place_before LIMIT 1) b", ct) > 0;
    }

    /// <summary>
    /// A service's document holds its places, so a place this import changed (its columns or addresses) touches every
    /// service at it, in the file or not — as the writer does — and the public's version too when the public sees the
    /// change: anything of a public place; of a generalised one only its public form; of a hidden one nothing.
    /// </summary>
    private async Task TouchServicesOfChangedPlacesAsync(CancellationToken ct) => await ExecAsync($"""
        INSERT INTO imp_touched (entity, id, kind, public)
        SELECT 'service', x.service_id, 'location_ids', bool_or(v.public)
        FROM (
            SELECT b.id, CASE
                WHEN 'public' IN (b.visibility, l.visibility) THEN true
                WHEN b.visibility = 'hidden' AND l.visibility = 'hidden' THEN false
                ELSE (b.visibility, ST_AsBinary(b.public_point), b.location_type, b.organization_id, b.is_demo, b.country)
                     IS DISTINCT FROM (l.visibility, ST_AsBinary(l.public_point), l.location_type, l.organization_id, l.is_demo, {LabelCountry})
                END AS public
            FROM imp_place_before b JOIN location l ON l.id = b.id
            WHERE b.id IN (SELECT id FROM imp_changed WHERE entity = 'location' UNION SELECT id FROM imp_touched WHERE entity = 'location')) v
        JOIN service_at_location x ON x.location_id = v.id
        GROUP BY x.service_id
        """, ct);

    /// <summary>As the writer: a location only reachable through services goes when no service uses it any more (with its addresses).</summary>
    private async Task<long> DeleteUnusedLocationsAsync(CancellationToken ct)
    {
        await ExecAsync("""
            CREATE TEMP TABLE imp_unused ON COMMIT DROP AS
            SELECT DISTINCT d.location_id AS id FROM imp_dropped d
            WHERE NOT EXISTS (SELECT 1 FROM service_at_location x WHERE x.location_id = d.location_id);
            DELETE FROM address a USING imp_unused u WHERE a.location_id = u.id;
            """, ct);
        return await ExecAsync("""
            WITH gone AS (
                DELETE FROM location l USING imp_unused u WHERE l.id = u.id
                RETURNING l.id, l.name, l.source, l.source_id)
            INSERT INTO audit_entry (at, actor, action, entity_type, entity_id, before, after)
            SELECT @now, @actor, 'delete', 'location', g.id, jsonb_build_object('name', g.name, 'source', g.source, 'source_id', g.source_id), NULL FROM gone g
            """, ct, ("now", now), ("actor", actor));
    }

    /// <summary>
    /// A record whose parts changed but whose own columns did not still gets a new last_modified (and ETag), as the writer
    /// does; a service's public time follows only when a change the public can see is among them, else it keeps the time
    /// the public last saw a change (so an anonymous reader's ETag does not reveal a confidential place's edit).
    /// </summary>
    private async Task TouchAsync(string entity, CancellationToken ct) => await ExecAsync($"""
        UPDATE {entity} t SET last_modified = @now{(entity == "service"
            ? ", public_last_modified = CASE WHEN x.public THEN NULL ELSE coalesce(t.public_last_modified, t.last_modified) END" : "")}
        FROM (SELECT id, bool_or(public) AS public FROM imp_touched WHERE entity = '{entity}' GROUP BY id) x
        WHERE t.id = x.id AND NOT EXISTS (SELECT 1 FROM imp_changed c WHERE c.entity = '{entity}' AND c.id = x.id)
        """, ct, ("now", now));

    /// <summary>One audit entry per updated record: its changed columns before and after, and its changed parts as they are now.</summary>
    private async Task AuditUpdatesAsync(CancellationToken ct) => await ExecAsync("""
        INSERT INTO audit_entry (at, actor, action, entity_type, entity_id, before, after)
        SELECT @now, @actor, 'update', u.entity, u.id, c.before,
               coalesce(c.after, '{}'::jsonb) || coalesce(k.after, '{}'::jsonb)
        FROM (SELECT entity, id FROM imp_changed UNION SELECT entity, id FROM imp_touched) u
        LEFT JOIN imp_changed c ON c.entity = u.entity AND c.id = u.id
        LEFT JOIN LATERAL (
            SELECT jsonb_object_agg(t.kind, coalesce(s.audit, l.audit) -> t.kind) AS after
            FROM (SELECT DISTINCT kind FROM imp_touched t WHERE t.entity = u.entity AND t.id = u.id) t
            LEFT JOIN imp_service s ON u.entity = 'service' AND s.id = u.id
            LEFT JOIN imp_location l ON u.entity = 'location' AND l.id = u.id) k ON true
        """, ct, ("now", now), ("actor", actor));

    private async Task<long> CreateTermsAsync(IReadOnlyList<TaxonomyImport.NewTaxonomy> taxonomies, IReadOnlyList<TaxonomyImport.NewTerm> terms, CancellationToken ct)
    {
        foreach (var t in taxonomies)
        {
            await ExecAsync("""
                WITH x AS (INSERT INTO taxonomy (id, name, description, uri, version) VALUES (@id, @name, @description, @uri, @version)
                           ON CONFLICT DO NOTHING RETURNING id)
                INSERT INTO audit_entry (at, actor, action, entity_type, entity_id, before, after)
                SELECT @now, @actor, 'create', 'taxonomy', x.id, NULL, jsonb_build_object('name', @name::text, 'description', @description::text) FROM x
                """, ct, ("id", t.Id), ("name", t.Name), ("description", t.Description), ("uri", (object?)t.Uri ?? DBNull.Value),
                ("version", (object?)t.Version ?? DBNull.Value), ("now", now), ("actor", actor));
        }
        var created = 0L;
        // Parents before children: a term may name a parent created by the same import.
        foreach (var t in terms.OrderBy(t => t.Depth))
        {
            created += await ExecAsync("""
                WITH x AS (INSERT INTO taxonomy_term (id, taxonomy_id, code, name, description, parent_id, term_uri, labels)
                           VALUES (@id, @taxonomy, @code, @name, @description, @parent, @uri, '{}'::jsonb)
                           ON CONFLICT DO NOTHING RETURNING id)
                INSERT INTO audit_entry (at, actor, action, entity_type, entity_id, before, after)
                SELECT @now, @actor, 'create', 'taxonomy_term', x.id, NULL, jsonb_build_object('code', @code::text, 'name', @name::text) FROM x
                """, ct, ("id", t.Id), ("taxonomy", t.TaxonomyId), ("code", t.Code), ("name", t.Name), ("description", t.Description),
                ("parent", (object?)t.ParentId ?? DBNull.Value), ("uri", (object?)t.TermUri ?? DBNull.Value), ("now", now), ("actor", actor));
        }
        return created;
    }

    private async Task<long> ExecAsync(string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.Add(value switch
            {
                DateTimeOffset d => new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = d.ToUniversalTime() },
                _ => new NpgsqlParameter(name, value),
            });
        }
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<long> ScalarAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The child tables the merge writes (for the index strategy).</summary>
    public static IReadOnlyList<string> Tables => ["organization", "location", "service", .. ChildTables];
}
