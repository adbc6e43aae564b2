using System.Globalization;
using Npgsql;

namespace Referral.Api.Features.Imports;

/// <summary>
/// The bulk-load technique of pg_restore, inside the import's transaction: for a table the import fills with more rows
/// than it holds (an initial load), its secondary indexes and foreign keys are dropped before the merge and created again
/// after it, from their exact definitions in the catalog. Building an index once is much cheaper than updating it a row at
/// a time, and re-adding a foreign key checks all rows with one join instead of one lookup per row. Primary keys and unique
/// indexes stay (they keep the merge correct). DDL is transactional in PostgreSQL: a failed import restores everything.
/// The price: readers of those tables wait until the import commits.
/// The same tables' change-recording triggers (the nearest index's <c>referral_nearest_changed</c>, the tile cells'
/// <c>tile_cells_mark_*</c> and the OGC items' <c>ogc_features_mark_*</c>, statement triggers over transition tables) are disabled for the load too: with a million
/// rows they would capture every row and mark cell by cell what a bulk load marks as a whole anyway. In their place the
/// import records the coarse change those triggers record for a TRUNCATE (<c>nearest_change</c> kind '*', tile cell -1,
/// <c>ogc_feature_dirty</c> '*': everything), which covers every row the merge wrote, inserted, updated or deleted.
/// </summary>
internal sealed class IndexRebuild
{
    /// <summary>Fewer new rows than this never trigger a rebuild.</summary>
    public const long MinimumRows = 50_000;

    private static readonly (string Table, string Staged)[] Targets =
    [
        ("organization", "imp_organization"), ("location", "imp_location"), ("address", "imp_address"), ("service", "imp_service"),
        ("service_at_location", "imp_sal"), ("phone", "imp_phone"), ("schedule", "imp_schedule"), ("service_area", "imp_area"),
        ("attribute", "imp_attribute"),
        // One audit entry per record written: an initial load adds far more entries than a young directory holds.
        ("audit_entry", "audit"),
    ];

    /// <summary>At most as many audit entries as the merge can write (one per staged organization, location and service).</summary>
    private const string AuditedRows = "SELECT (SELECT count(*) FROM imp_organization) + (SELECT count(*) FROM imp_location) + (SELECT count(*) FROM imp_service)";

    private readonly NpgsqlConnection _conn;
    private readonly List<(string Table, string Name, string Definition)> _indexes = [];
    private readonly List<(string Table, string Name, string Definition)> _foreignKeys = [];
    private readonly List<(string Table, string Name, string Function)> _triggers = [];

    /// <summary>Triggers that record which rows changed, and what a bulk load records in their place (all of it).</summary>
    private const string ChangeTriggers = "p.proname = 'referral_nearest_changed' OR p.proname LIKE 'tile\\_cells\\_mark\\_%' OR p.proname LIKE 'ogc\\_features\\_mark\\_%'";

    private IndexRebuild(NpgsqlConnection conn) => _conn = conn;

    public List<string> Notes { get; } = [];

    /// <summary>Milliseconds per index, for the foreign keys and for the ANALYZE of the last <see cref="RestoreAsync"/> (in the report as <c>indexes_rebuild.&lt;name&gt;</c>).</summary>
    public Dictionary<string, long> Steps { get; } = new(StringComparer.Ordinal);

    /// <summary>Drops what the strategy says should be rebuilt; null when nothing is.</summary>
    public static async Task<IndexRebuild?> PrepareAsync(NpgsqlConnection conn, IndexStrategy strategy, CancellationToken ct)
    {
        if (strategy == IndexStrategy.Keep)
        {
            return null;
        }
        // A least-privilege connection (README, "Database roles") may not drop indexes: it keeps them and merges row by row.
        if (await ScalarAsync(conn, "SELECT CASE WHEN pg_has_role(current_user, relowner, 'USAGE') THEN 1 ELSE 0 END FROM pg_class WHERE oid = 'public.service'::regclass", ct) == 0)
        {
            return null;
        }
        var rebuild = new IndexRebuild(conn);
        foreach (var (table, staged) in Targets)
        {
            var incoming = await ScalarAsync(conn, staged == "audit" ? AuditedRows : $"SELECT count(*) FROM {staged}", ct);
            var existing = await ScalarAsync(conn, $"SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'public.{table}'::regclass", ct);
            if (strategy == IndexStrategy.Rebuild ? incoming == 0 : incoming < MinimumRows || incoming < existing)
            {
                continue;
            }
            await rebuild.DropAsync(table, ct);
            rebuild.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"bulk load: {table}'s secondary indexes and foreign keys were rebuilt after inserting {incoming} rows (the table held about {existing})."));
        }
        return rebuild._indexes.Count + rebuild._foreignKeys.Count + rebuild._triggers.Count > 0 ? rebuild : null;
    }

    private async Task DropAsync(string table, CancellationToken ct)
    {
        await using (var cmd = new NpgsqlCommand("""
            SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = @table::regclass AND NOT i.indisprimary AND NOT i.indisunique
            ORDER BY c.relname
            """, _conn) { CommandTimeout = 0 })
        {
            cmd.Parameters.AddWithValue("table", "public." + table);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                _indexes.Add((table, reader.GetString(0), reader.GetString(1)));
            }
        }
        await using (var cmd = new NpgsqlCommand("""
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = @table::regclass AND contype = 'f' ORDER BY conname
            """, _conn) { CommandTimeout = 0 })
        {
            cmd.Parameters.AddWithValue("table", "public." + table);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                _foreignKeys.Add((table, reader.GetString(0), reader.GetString(1)));
            }
        }
        await using (var cmd = new NpgsqlCommand($"""
            SELECT t.tgname, p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE t.tgrelid = @table::regclass AND NOT t.tgisinternal AND t.tgenabled = 'O' AND ({ChangeTriggers})
            ORDER BY t.tgname
            """, _conn) { CommandTimeout = 0 })
        {
            cmd.Parameters.AddWithValue("table", "public." + table);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                _triggers.Add((table, reader.GetString(0), reader.GetString(1)));
            }
        }
        foreach (var (t, name, _) in _triggers.Where(f => f.Table == table))
        {
            await ExecAsync($"ALTER TABLE public.{Quote(t)} DISABLE TRIGGER {Quote(name)}", ct);
        }
        foreach (var (t, name, _) in _foreignKeys.Where(f => f.Table == table))
        {
            await ExecAsync($"ALTER TABLE public.{Quote(t)} DROP CONSTRAINT {Quote(name)}", ct);
        }
        foreach (var (_, name, _) in _indexes.Where(i => i.Table == table))
        {
            await ExecAsync($"DROP INDEX public.{Quote(name)}", ct);
        }
    }

    /// <summary>Creates the indexes and foreign keys again (before the import commits).</summary>
    public async Task RestoreAsync(CancellationToken ct)
    {
        foreach (var (table, name, _) in _triggers)
        {
            await ExecAsync($"ALTER TABLE public.{Quote(table)} ENABLE TRIGGER {Quote(name)}", ct);
        }
        if (_triggers.Any(t => t.Function == "referral_nearest_changed"))
        {
            await ExecAsync("INSERT INTO nearest_change (kind) VALUES ('*'); SELECT pg_notify('referral_cache', 'nearest')", ct);
        }
        if (_triggers.Any(t => t.Function.StartsWith("tile_cells_mark_", StringComparison.Ordinal)))
        {
            await ExecAsync("INSERT INTO tile_cell_dirty (cell) VALUES (-1)", ct);
        }
        if (_triggers.Any(t => t.Function.StartsWith("ogc_features_mark_", StringComparison.Ordinal)))
        {
            // The OGC items' public features are rebuilt as a whole at the import's commit (ogc_service_features_flush).
            await ExecAsync("INSERT INTO ogc_feature_dirty (kind) VALUES ('*'); SELECT ogc_service_features_queue()", ct);
        }
        var lap = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (_, name, definition) in _indexes)
        {
            await ExecAsync(definition, ct);
            Steps["indexes_rebuild." + name] = lap.ElapsedMilliseconds;
            lap.Restart();
        }
        foreach (var (table, name, definition) in _foreignKeys)
        {
            await ExecAsync($"ALTER TABLE public.{Quote(table)} ADD CONSTRAINT {Quote(name)} {definition}", ct);
        }
        Steps["indexes_rebuild.foreign_keys"] = lap.ElapsedMilliseconds;
        lap.Restart();
        foreach (var table in _indexes.Select(i => i.Table).Concat(_foreignKeys.Select(f => f.Table)).Distinct())
        {
            await ExecAsync($"ANALYZE public.{Quote(table)}", ct);
        }
        Steps["indexes_rebuild.analyze"] = lap.ElapsedMilliseconds;
    }

    /// <summary>Identifiers from the catalog, quoted; never input.</summary>
    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private async Task ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, _conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }
}
