using System.Collections.Concurrent;
using System.Data;
using System.Diagnostics;
using System.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Services;

namespace Referral.Api.Features.Referrals;

/// <summary>
/// The in-process read model behind nearest (issue 15): every public service-at-location of an active service — its
/// public point (the generalised one for approximate places; hidden places have none and are not here), category codes
/// as a bit mask, the eligibility columns and the countries the border rule needs — in one 3-D k-d tree per category,
/// plus the service, organization, phone and location rows the answers show (filled on first use).
/// <para>
/// It only proposes candidates, in the order of PostgreSQL's <c>&lt;-&gt;</c> on geography (great-circle); the
/// database then checks the proposed ids with the very predicates of the SQL path (<see cref="NearestQueries.HitsAsync"/>),
/// computes the ellipsoidal distances and open-now, and so has the last word on what is public, active and eligible.
/// </para>
/// <para>
/// Freshness without a lock: every write to a table it reads records the changed ids in <c>nearest_change</c> with the
/// writing transaction's id (statement triggers, migration AddNearestChangeLog) and notifies. A generation remembers the
/// snapshot it was loaded in; a request first asks whether any change row lies outside that snapshot (one index probe)
/// and uses the index only when none does; otherwise it takes the SQL path and the instance catches up. Catching up
/// reads those change rows in a new snapshot and reloads only the service-at-locations they name (a delta laid over the
/// loaded trees; the trees are rebuilt in memory when the deltas grow); a truncate, a taxonomy or region change or a bulk
/// statement reloads everything. A half-loaded index is never used: a generation is swapped in whole.
/// </para>
/// </summary>
internal sealed class NearestIndex(IConfiguration configuration, IOptions<ReferralSettings> settings, ILogger<NearestIndex> logger) : BackgroundService
{
    /// <summary>Notification payload on <see cref="DbNotifications.CacheChannel"/>.</summary>
    public const string Notification = "nearest";

    /// <summary>
    /// A generation whose snapshot is older than this is not used (and is reloaded whole): change rows are pruned only
    /// once committed before a snapshot ten minutes old (<see cref="PruneSql"/>), so every row a younger one lacks is there.
    /// </summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    // How often an idle instance renews its snapshot (an empty delta), and prunes.
    private static readonly TimeSpan Renew = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a generation is trusted after the last check that found no change it lacks: the background poll checks
    /// every <see cref="Poll"/>, so a write some notification missed (the listening connection down) is still seen in time.
    /// </summary>
    public static readonly TimeSpan Trusted = TimeSpan.FromMilliseconds(900);

    /// <summary>How often the background loop asks the change log whether the loaded generation is still current.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _signal = new(0, 1);
    private volatile NearestGeneration? _current;
    private volatile bool _dirty = true;
    private long _version;          // bumped by every Invalidate
    private long _currentVersion = -1; // the _version read before _current's snapshot was taken
    private long _verified;         // Stopwatch timestamp before the last check that found _current current
    private int _fullLoads;
    private int _deltaLoads;

    /// <summary>The loaded generation (tests and diagnostics), whatever the database's state.</summary>
    internal NearestGeneration? Loaded => _current;

    /// <summary>How many times the whole index was read from the database (tests: a small write must not).</summary>
    internal int FullLoads => _fullLoads;

    /// <summary>How many deltas were applied.</summary>
    internal int DeltaLoads => _deltaLoads;

    public bool Enabled => settings.Value.InMemoryIndex;

    /// <summary>
    /// A change was notified (any instance's write: <c>NOTIFY referral_cache, 'nearest'</c>), this instance wrote
    /// (<see cref="NearestWriteInterceptor"/>), or a check saw one: the loaded generation is not used from now on until
    /// a catch-up that started after this call is in place.
    /// </summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _version);
        _dirty = true;
        Wake();
    }

    private void Wake() => IndexLoading.Wake(_signal);

    /// <summary>
    /// The generation a request may use, without a statement, or null (the SQL path): none loaded yet, too old, a change
    /// notified since its snapshot, or not confirmed current by the poll within <see cref="Trusted"/>.
    /// </summary>
    public NearestGeneration? Current
    {
        get
        {
            if (!Enabled)
            {
                return null;
            }
            var gen = _current;
            if (gen is null || gen.Age > MaxAge || Interlocked.Read(ref _currentVersion) != Interlocked.Read(ref _version)
                || Stopwatch.GetElapsedTime(Interlocked.Read(ref _verified)) > Trusted)
            {
                return null;
            }
            return gen;
        }
    }

    /// <summary>
    /// <see cref="Current"/>, confirmed by asking the change log now (tests wait on this: a generation it returns has
    /// every change committed before the call).
    /// </summary>
    public async Task<NearestGeneration?> CurrentAsync(ReferralDbContext db, CancellationToken ct)
    {
        var gen = Current;
        if (gen is null)
        {
            Wake();
            return null;
        }
        var changed = (await db.Database.SqlQueryRaw<bool>(ChangedSql,
            new NpgsqlParameter("xmax", gen.Xmax), new NpgsqlParameter("xip", gen.Xip)).ToListAsync(ct)).Single();
        if (!changed)
        {
            return gen;
        }
        Invalidate();
        return null;
    }

    // Not visible in a snapshot: xid >= xmax, or in progress when it was taken (xip). Two probes of ix_nearest_change_xid.
    // The origin tables' changes (kind 'g') are the origin index's.
    private const string ChangedSql =
        "SELECT EXISTS (SELECT 1 FROM nearest_change WHERE (xid >= @xmax::text::xid8 OR xid = ANY (@xip::text[]::xid8[])) AND kind <> 'g') AS \"Value\"";

    private NpgsqlConnection? _pollConnection;

    /// <summary>The background check: whether the loaded generation lacks a committed change (one index probe).</summary>
    private async Task PollAsync(CancellationToken ct)
    {
        var gen = _current;
        if (gen is null)
        {
            _dirty = true;
            return;
        }
        var stamp = Stopwatch.GetTimestamp();
        var version = Interlocked.Read(ref _version);
        try
        {
            if (_pollConnection is null)
            {
                _pollConnection = await IndexLoading.OpenAsync(LoaderConnectionString, ct);
            }
            await using var probe = new NpgsqlCommand(ChangedSql, _pollConnection);
            probe.Parameters.AddWithValue("xmax", gen.Xmax);
            probe.Parameters.AddWithValue("xip", gen.Xip);
            if ((bool)(await probe.ExecuteScalarAsync(ct))!)
            {
                Invalidate();
            }
            else if (ReferenceEquals(gen, _current) && Interlocked.Read(ref _currentVersion) == version)
            {
                Interlocked.Exchange(ref _verified, stamp);
            }
        }
        catch
        {
            if (_pollConnection is not null)
            {
                await _pollConnection.DisposeAsync();
                _pollConnection = null;
            }
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        var failures = 0;
        var pruned = Stopwatch.StartNew();
        var renewed = Stopwatch.StartNew();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!_dirty)
            {
                try
                {
                    await _signal.WaitAsync(Poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            try
            {
                if (!_dirty && renewed.Elapsed < Renew)
                {
                    // No notification: ask anyway (a missed one, a lost listening connection), and trust the generation
                    // for another Trusted span when nothing changed.
                    await PollAsync(stoppingToken);
                    if (!_dirty)
                    {
                        failures = 0;
                        continue;
                    }
                }
                _dirty = false;
                var version = Interlocked.Read(ref _version);
                var clock = Stopwatch.StartNew();
                var before = _current;
                var gen = await LoadAsync(before, stoppingToken);
                if (gen is not null)
                {
                    _current = gen;
                    Interlocked.Exchange(ref _currentVersion, version);
                    Interlocked.Exchange(ref _verified, gen.Stamp);
                    renewed.Restart();
                    var rebuilt = before is null || gen.Base != before.Base;
                    if (rebuilt || gen.Changed > 0)
                    {
                        logger.LogInformation("Nearest index: {Count} service-at-locations ({Kind}, {Changed} ids changed) in {Ms} ms",
                            gen.Count, rebuilt ? "rebuilt" : "delta", gen.Changed, clock.ElapsedMilliseconds);
                    }
                    before = null;
                    if (rebuilt)
                    {
                        Compact();
                    }
                }
                if (pruned.Elapsed > Renew * 5)
                {
                    await PruneAsync(stoppingToken);
                    pruned.Restart();
                }
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // No database yet, migrations not applied, a lost connection — or a bug: never stop the host for it, the
                // SQL path answers meanwhile.
                _dirty = true;
                failures++;
                if (!await IndexLoading.BackOffAsync(logger, "Nearest index", ex, failures, stoppingToken))
                {
                    return;
                }
            }
        }
    }

    private string LoaderConnectionString => IndexLoading.ConnectionString(configuration);

    /// <summary>
    /// After a whole load or a rebuild, once: a full blocking collection that compacts the large object heap and gives
    /// the freed memory back to the system. The load's own garbage and the generation it replaced are mostly large
    /// arrays, which only a full collection frees and only a compacting one returns; left to the GC they keep the
    /// process hundreds of MB above what it uses (issue 15: 1 GiB at a million sites). Its pause (a few hundred ms at a
    /// million sites) stops requests once per load, never per request.
    /// </summary>
    private static void Compact()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>
    /// Catches up: a delta over <paramref name="before"/> when it is young enough and the changes name rows, else
    /// everything. Null when a lock was in the way (retried).
    /// </summary>
    private async Task<NearestGeneration?> LoadAsync(NearestGeneration? before, CancellationToken ct)
    {
        var stamp = Stopwatch.GetTimestamp(); // before the snapshot: the generation's age is never underestimated
        await using var conn = await IndexLoading.OpenAsync(LoaderConnectionString, ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        try
        {
            string snapshot;
            await using (var read = new NpgsqlCommand("SELECT pg_current_snapshot()::text", conn, tx))
            {
                snapshot = (string)(await read.ExecuteScalarAsync(ct))!;
            }
            NearestGeneration? gen = null;
            if (before is not null && Stopwatch.GetElapsedTime(before.Stamp) < MaxAge)
            {
                gen = await DeltaAsync(conn, tx, before, snapshot, stamp, ct);
            }
            if (gen is null)
            {
                // Sized once from the snapshot (an upper bound: one entry per service at location), so no array is grown
                // and copied at a million rows.
                int capacity;
                await using (var count = new NpgsqlCommand("SELECT count(*)::int FROM service_at_location", conn, tx))
                {
                    capacity = (int)(await count.ExecuteScalarAsync(ct))!;
                }
                var builder = new NearestGeneration.Builder(capacity);
                await ReadAsync(conn, tx, "", [], [], [], (id, serviceId, locationId, lat, lng, entry, categories) =>
                    builder.Add(id, serviceId, locationId, lat, lng, entry, categories), ct);
                gen = builder.Build(snapshot, stamp, await ReadHoursAsync(conn, tx, null, ct));
                Interlocked.Increment(ref _fullLoads);
            }
            await tx.CommitAsync(ct);
            return gen;
        }
        catch (Exception ex) when (IndexLoading.GaveWay(ex))
        {
            _dirty = true;
            await Task.Delay(50, ct);
            return null;
        }
    }

    /// <summary>The changes <paramref name="before"/> lacks, read in this snapshot, over it; null: load everything.</summary>
    private async Task<NearestGeneration?> DeltaAsync(NpgsqlConnection conn, NpgsqlTransaction tx, NearestGeneration before, string snapshot, long stamp, CancellationToken ct)
    {
        var sals = new HashSet<Guid>();
        var services = new HashSet<Guid>();
        var locations = new HashSet<Guid>();
        var organizations = new List<Guid>();
        await using (var changes = new NpgsqlCommand(ChangesSql, conn, tx))
        {
            changes.Parameters.AddWithValue("xmax", before.Xmax);
            changes.Parameters.AddWithValue("xip", before.Xip);
            await using var reader = await changes.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var kind = reader.GetChar(0);
                if (kind == '*' || reader.IsDBNull(1))
                {
                    return null;
                }
                var id = reader.GetGuid(1);
                _ = kind switch
                {
                    'x' => sals.Add(id),
                    's' => services.Add(id),
                    'l' => locations.Add(id),
                    _ => AddTo(organizations, id),
                };
            }
        }
        if (organizations.Count > 0)
        {
            await using var owned = new NpgsqlCommand("SELECT id FROM service WHERE organization_id = ANY (@o)", conn, tx);
            owned.Parameters.AddWithValue("o", organizations.ToArray());
            await using var reader = await owned.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                services.Add(reader.GetGuid(0));
            }
        }
        var rows = new List<NearestGeneration.Row>();
        if (sals.Count + services.Count + locations.Count > 0)
        {
            await ReadAsync(conn, tx, " AND (x.id = ANY (@x) OR x.service_id = ANY (@s) OR x.location_id = ANY (@l))",
                [.. sals], [.. services], [.. locations],
                (id, serviceId, locationId, lat, lng, entry, categories) => rows.Add(new(id, serviceId, locationId, lat, lng, entry, categories)), ct);
        }
        Dictionary<Guid, ServiceFacts> hours = [];
        var hourIds = new HashSet<Guid>(services);
        hourIds.UnionWith(rows.Select(r => r.ServiceId));
        if (hourIds.Count > 0)
        {
            hours = await ReadHoursAsync(conn, tx, [.. hourIds], ct);
        }
        var gen = before.With(snapshot, stamp, sals, services, locations, rows, hourIds, hours);
        if (gen is not null && gen.Changed > 0)
        {
            Interlocked.Increment(ref _deltaLoads);
        }
        return gen;
    }

    private static bool AddTo(List<Guid> list, Guid id)
    {
        list.Add(id);
        return true;
    }

    private const string ChangesSql =
        "SELECT kind, id FROM nearest_change WHERE (xid >= @xmax::text::xid8 OR xid = ANY (@xip::text[]::xid8[])) AND kind <> 'g'";

    private static async Task ReadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string where, Guid[] sals, Guid[] services, Guid[] locations,
        Action<Guid, Guid, Guid, double, double, NearestGeneration.Entry, string[]> add, CancellationToken ct)
    {
        await using var load = new NpgsqlCommand(LoadSql + where, conn, tx);
        load.Parameters.AddWithValue("taxonomy", ServiceMapping.CategoryTaxonomy);
        if (where.Length > 0)
        {
            load.Parameters.AddWithValue("x", sals);
            load.Parameters.AddWithValue("s", services);
            load.Parameters.AddWithValue("l", locations);
        }
        await using var reader = await load.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var entry = new NearestGeneration.Entry(reader.GetGuid(0), 0, new NearestGeneration.Profile(
                reader.IsDBNull(5) ? null : (short)reader.GetInt32(5), reader.IsDBNull(6) ? null : (short)reader.GetInt32(6),
                reader.IsDBNull(7) ? null : reader.GetBoolean(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateOnly>(8),
                reader.GetFieldValue<string[]>(9), reader.GetFieldValue<string[]>(10), reader.GetFieldValue<string[]>(11), reader.GetFieldValue<string[]>(12),
                reader.IsDBNull(14) ? [] : reader.GetFieldValue<string?[]>(14),
                reader.IsDBNull(15) ? [] : reader.GetFieldValue<string[]>(15),
                reader.GetString(16) == Infrastructure.Confidentiality.Approximate));
            add(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetDouble(3), reader.GetDouble(4), entry,
                reader.IsDBNull(13) ? [] : reader.GetFieldValue<string[]>(13));
        }
    }

    // Zones as PostgreSQL reads them (local_time_at: NULL for a zone it does not know), kept for the process's life.
    private static readonly ConcurrentDictionary<string, bool> PgZones = new(StringComparer.Ordinal);

    /// <summary>
    /// The opening hours of the active services (all, or those of <paramref name="services"/>), as
    /// <c>service_open_at()</c> reads them: 24/7, or the timed schedules whose zone PostgreSQL reads. A zone PostgreSQL
    /// reads but .NET does not know by the same id makes that service <see cref="OpenHours.Uncertain"/> (the database
    /// answers for it).
    /// </summary>
    internal static async Task<Dictionary<Guid, ServiceFacts>> ReadHoursAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid[]? services, CancellationToken ct)
    {
        var only = services is null ? "" : " AND s.id = ANY (@s)";
        const string Timed = """
              FROM schedule x JOIN service s ON s.id = x.service_id
             WHERE s.status = 'active' AND NOT s.available_24_7 AND x.opens_at IS NOT NULL
            """;
        // The zones first (a handful), so the schedules can be read in one pass, each service's opening hours made as its
        // rows end: no row of a million schedules is held.
        var unknown = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT DISTINCT x.time_zone" + Timed + only, conn, tx))
        {
            if (services is not null)
            {
                cmd.Parameters.AddWithValue("s", services);
            }
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (!PgZones.ContainsKey(reader.GetString(0)))
                {
                    unknown.Add(reader.GetString(0));
                }
            }
        }
        if (unknown.Count > 0)
        {
            await using var zones = new NpgsqlCommand("SELECT z, local_time_at(now(), z) IS NOT NULL FROM unnest(@z) z", conn, tx);
            zones.Parameters.AddWithValue("z", unknown.ToArray());
            await using var reader = await zones.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                PgZones[reader.GetString(0)] = reader.GetBoolean(1);
            }
        }
        var intern = new Interner();
        var timed = new Dictionary<Guid, OpenHours>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT x.service_id, x.byday, x.opens_at, x.closes_at, nullif(x.valid_from, '-infinity'), nullif(x.valid_to, 'infinity'),
                   x.time_zone, x.valid_from = 'infinity' OR x.valid_to = '-infinity'
            """ + Timed + only + " ORDER BY x.service_id, x.id", conn, tx))
        {
            if (services is not null)
            {
                cmd.Parameters.AddWithValue("s", services);
            }
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var service = Guid.Empty;
            var slots = new List<OpenHours.Slot>();
            bool any = false, uncertain = false;
            void End()
            {
                if (any)
                {
                    timed[service] = intern.Of(slots, uncertain);
                }
                slots.Clear();
                any = uncertain = false;
            }
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetGuid(0);
                if (id != service)
                {
                    End();
                    service = id;
                }
                var zone = reader.GetString(6);
                if (!PgZones.GetValueOrDefault(zone))
                {
                    continue; // a zone PostgreSQL cannot read: not counted (service_open_at's t.local IS NOT NULL)
                }
                any = true;
                if (ZoneOf(zone) is not { } tz)
                {
                    uncertain = true;
                    continue;
                }
                // An infinite bound is no bound (-infinity from, infinity to) or never valid (infinity from, -infinity to):
                // read as DateOnly.MinValue/MaxValue they would be the calendar's first and last days instead.
                var never = !reader.IsDBNull(7) && reader.GetBoolean(7);
                slots.Add(new OpenHours.Slot(OpenHours.DayBits(reader.GetString(1)), reader.GetFieldValue<TimeOnly>(2).Ticks,
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<TimeOnly>(3).Ticks,
                    never ? DateOnly.MaxValue : reader.IsDBNull(4) ? null : reader.GetFieldValue<DateOnly>(4),
                    never ? DateOnly.MinValue : reader.IsDBNull(5) ? null : reader.GetFieldValue<DateOnly>(5),
                    tz));
            }
            End();
        }
        var result = new Dictionary<Guid, ServiceFacts>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT s.id, s.available_24_7, s.minimum_age, s.maximum_age, s.is_free, s.assured_date, s.languages, s.genders, s.delivery_modes, s.audience,
                   (SELECT array_agg(DISTINCT tt.code) FROM attribute a
                      JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id JOIN taxonomy t ON t.id = tt.taxonomy_id
                     WHERE a.service_id = s.id AND t.name = @taxonomy),
                   s.status = 'active'
              FROM service s
             WHERE true
            """ + only, conn, tx))
        {
            cmd.Parameters.AddWithValue("taxonomy", ServiceMapping.CategoryTaxonomy);
            if (services is not null)
            {
                cmd.Parameters.AddWithValue("s", services);
            }
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetGuid(0);
                var profile = intern.Of(new NearestGeneration.Profile(
                    reader.IsDBNull(2) ? null : (short)reader.GetInt32(2), reader.IsDBNull(3) ? null : (short)reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateOnly>(5),
                    reader.GetFieldValue<string[]>(6), reader.GetFieldValue<string[]>(7), reader.GetFieldValue<string[]>(8),
                    reader.GetFieldValue<string[]>(9), [], []));
                var active = reader.GetBoolean(11);
                var hours = !active ? OpenHours.None
                    : reader.GetBoolean(1) ? OpenHours.Always
                    : timed.GetValueOrDefault(id) ?? OpenHours.None;
                result[id] = intern.Of(new ServiceFacts(hours, profile, reader.IsDBNull(10) ? [] : intern.Of(reader.GetFieldValue<string[]>(10)), active));
            }
        }
        return result;
    }

    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Zones = new(StringComparer.Ordinal);

    // .NET's zone for an id only when it is the very IANA zone PostgreSQL reads by that id (TimeZones.Canonical).
    private static TimeZoneInfo? ZoneOf(string id) => Zones.GetOrAdd(id, z =>
        Infrastructure.TimeZones.Canonical(z) == z ? Infrastructure.TimeZones.Find(z) : null);

    /// <summary>
    /// Deletes the change rows committed before the snapshot of the previous pruning, when that one is ten minutes old,
    /// and takes a new one. Every instance using its index has a snapshot younger than <see cref="MaxAge"/> (five
    /// minutes), so it saw those rows' transactions already. Concurrent pruners: the row lock lets one through.
    /// </summary>
    private async Task PruneAsync(CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(LoaderConnectionString);
        await conn.OpenAsync(ct);
        await using var prune = new NpgsqlCommand(PruneSql, conn);
        await prune.ExecuteNonQueryAsync(ct);
    }

    internal const string PruneSql = """
        WITH old AS (SELECT snapshot FROM nearest_prune WHERE taken_at < now() - interval '10 minutes' FOR UPDATE),
             gone AS (DELETE FROM nearest_change WHERE xid < (SELECT pg_snapshot_xmin(snapshot) FROM old))
        UPDATE nearest_prune SET snapshot = pg_current_snapshot(), taken_at = now() WHERE EXISTS (SELECT 1 FROM old)
        """;

    // One row per public service-at-location of an active service: what the SQL path filters on (ServiceFilters.Eligible,
    // Borders.In/Abroad), nothing it shows. Countries covering the public point only for locations without an address
    // (the border rule looks at outlines only then).
    private const string LoadSql = """
        SELECT x.id, x.service_id, x.location_id, ST_Y(l.public_point::geometry), ST_X(l.public_point::geometry),
               s.minimum_age, s.maximum_age, s.is_free, s.assured_date, s.languages, s.genders, s.delivery_modes, s.audience,
               (SELECT array_agg(DISTINCT tt.code) FROM attribute a
                  JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id JOIN taxonomy t ON t.id = tt.taxonomy_id
                 WHERE a.service_id = s.id AND t.name = @taxonomy),
               (SELECT array_agg(ad.country) FROM address ad WHERE ad.location_id = l.id),
               CASE WHEN NOT EXISTS (SELECT 1 FROM address ad WHERE ad.location_id = l.id) THEN
                 (SELECT array_agg(r.code) FROM region r
                   WHERE r.level = 0 AND length(r.code) = 2 AND r.geometry IS NOT NULL AND ST_Covers(r.geometry, l.public_point)) END,
               l.visibility
          FROM service_at_location x
          JOIN location l ON l.id = x.location_id
          JOIN service s ON s.id = x.service_id
         WHERE s.status = 'active' AND l.public_point IS NOT NULL
        """;
}

/// <summary>
/// One immutable state of the index: a base (entries and k-d trees, shared by the generations built on it), the base
/// entries changes removed, the entries changes added (searched linearly and merged in distance order), the snapshot it
/// is current at, and the rows the answers showed at that state.
/// </summary>
internal sealed class NearestGeneration
{
    private const double EarthRadiusM = 6_371_008.8;
    // Cards cached per generation (services, and locations): about 1.5 KB a pair, so at most ~150 MB (issue 15: 1 GiB at 1M).
    internal const int MaxCachedRows = 100_000;

    /// <summary>Added entries a generation searches linearly before the trees are rebuilt.</summary>
    internal const int MaxAdded = 2048;

    private readonly HashSet<int> _removed;
    private readonly Added[] _added;

    private NearestGeneration(Layer layer, HashSet<int> removed, Added[] added, string snapshot, long stamp, int changed)
    {
        Base = layer;
        _removed = removed;
        _added = added;
        Stamp = stamp;
        Changed = changed;
        (Xmax, Xip) = IndexLoading.ParseSnapshot(snapshot);
    }

    /// <summary>The entries and trees this generation shares with the others built on it.</summary>
    internal Layer Base { get; }

    /// <summary>The snapshot's xmax: a change row from this transaction id on is not in this generation.</summary>
    public string Xmax { get; }

    /// <summary>The transactions in progress when the snapshot was taken: their change rows are not in it either.</summary>
    public string[] Xip { get; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> before the snapshot was taken.</summary>
    public long Stamp { get; }

    public TimeSpan Age => Stopwatch.GetElapsedTime(Stamp);

    /// <summary>Ids named by the changes this generation applied over the previous one (0: loaded whole, or nothing changed).</summary>
    public int Changed { get; }

    public int Count => Base.Entries.Length - _removed.Count + _added.Length;

    // Opening hours of every active service at this generation's snapshot: a base shared by generations, and the services
    // deltas reloaded (null: no longer active).
    private Dictionary<Guid, ServiceFacts> _hours = [];
    private Dictionary<Guid, ServiceFacts?> _hoursChanged = [];

    /// <summary>The opening hours of an active service, or null when not known here (not active, or not loaded): ask the database.</summary>
    public OpenHours? Hours(Guid serviceId) => Facts(serviceId) is { Active: true } facts ? facts.Hours : null;

    /// <summary>What a service's remote channels need in memory (status, hours, eligibility), or null when not known here.</summary>
    public ServiceFacts? Facts(Guid serviceId) =>
        _hoursChanged.TryGetValue(serviceId, out var changed) ? changed : _hours.GetValueOrDefault(serviceId);

    /// <summary>Whether an active service passes the filter's eligibility (<c>ServiceFilters.Eligible</c>, less the search).</summary>
    public bool Eligible(ServiceFacts facts, ServiceFilter f)
    {
        ulong mask = 0;
        foreach (var c in facts.Categories)
        {
            if (Base.Bits.TryGetValue(c, out var bit))
            {
                mask |= 1UL << bit;
            }
        }
        return Matches(new Entry(default, mask, facts.Profile), f with { Country = null, OutsideCountry = null }, Base.Mask(f.Categories),
            f.ExcludeStale ? Infrastructure.Freshness.Cutoff(f.At) : null);
    }

    internal NearestGeneration WithHours(Dictionary<Guid, ServiceFacts> hours)
    {
        _hours = hours;
        return this;
    }

    /// <summary>
    /// What the answers show of a service (its summary document and phones, <see cref="ServiceCard"/>), by id: the
    /// documents, not the entities they were mapped from (an entity graph with its search document and taxonomy rows
    /// weighed about ten times as much, issue 15).
    /// </summary>
    public ConcurrentDictionary<Guid, ServiceCard> Services { get; private init; } = new();

    /// <summary>What the answers show of a location to the public (<see cref="LocationCard"/>), by id.</summary>
    public ConcurrentDictionary<Guid, LocationCard> Locations { get; private init; } = new();

    /// <summary>The service and location of every site in this generation (the base's live entries, then the added ones): what <see cref="CardPreloader"/> fills the caches for.</summary>
    internal IEnumerable<(Guid ServiceId, Guid LocationId)> Sites()
    {
        for (var i = 0; i < Base.Entries.Length; i++)
        {
            if (!_removed.Contains(i))
            {
                yield return (Base.ServiceIds[i], Base.LocationIds[i]);
            }
        }
        foreach (var a in _added)
        {
            yield return (a.ServiceId, a.LocationId);
        }
    }

    public static void Keep<T>(ConcurrentDictionary<Guid, T> cache, Guid id, T value)
    {
        if (cache.Count < MaxCachedRows)
        {
            cache.TryAdd(id, value);
        }
    }

    /// <summary>Whether the index can propose candidates for this filter (full-text search and unknown categories cannot).</summary>
    public bool Serves(ServiceFilter f) => f.Search is null && f.Categories.All(Base.Bits.ContainsKey);

    /// <summary>
    /// This generation with the changes read in <paramref name="snapshot"/> applied: every entry of a named service at
    /// location, service or location is dropped and <paramref name="rows"/> (their current rows) added; the rows shown
    /// are kept but for those named. Null: a change the base cannot take (a category it has no bit for) — load whole.
    /// </summary>
    public NearestGeneration? With(string snapshot, long stamp, HashSet<Guid> sals, HashSet<Guid> services, HashSet<Guid> locations, List<Row> rows,
        HashSet<Guid>? hourIds = null, Dictionary<Guid, ServiceFacts>? hours = null)
    {
        var (hoursBase, hoursChanged) = (_hours, _hoursChanged);
        if (hourIds is { Count: > 0 })
        {
            hoursChanged = new Dictionary<Guid, ServiceFacts?>(_hoursChanged);
            foreach (var id in hourIds)
            {
                hoursChanged[id] = hours?.GetValueOrDefault(id);
            }
            if (hoursChanged.Count > MaxAdded)
            {
                hoursBase = new Dictionary<Guid, ServiceFacts>(_hours);
                foreach (var (id, h) in hoursChanged)
                {
                    if (h is null)
                    {
                        hoursBase.Remove(id);
                    }
                    else
                    {
                        hoursBase[id] = h;
                    }
                }
                hoursChanged = [];
            }
        }
        var changed = sals.Count + services.Count + locations.Count;
        if (changed == 0)
        {
            return new NearestGeneration(Base, _removed, _added, snapshot, stamp, 0)
            {
                _hours = hoursBase,
                _hoursChanged = hoursChanged,
                Services = Services,
                Locations = Locations,
            };
        }
        if (rows.Any(r => !r.Categories.All(Base.Bits.ContainsKey)))
        {
            return null;
        }
        bool Named(Guid id, Guid service, Guid location) =>
            (sals.Count > 0 && sals.Contains(id)) || (services.Count > 0 && services.Contains(service)) || (locations.Count > 0 && locations.Contains(location));
        var removed = new HashSet<int>(_removed);
        var entries = Base.Entries;
        for (var i = 0; i < entries.Length; i++)
        {
            if (Named(entries[i].Id, Base.ServiceIds[i], Base.LocationIds[i]))
            {
                removed.Add(i);
            }
        }
        var added = _added.Where(a => !Named(a.Entry.Id, a.ServiceId, a.LocationId)).ToList();
        foreach (var r in rows)
        {
            var (x, y, z) = Unit(r.Lat, r.Lng);
            added.Add(new Added(r.Entry with { Categories = Base.Mask(r.Categories) }, r.ServiceId, r.LocationId, x, y, z));
        }
        var layer = Base;
        if (added.Count > MaxAdded || removed.Count > Math.Max(MaxAdded, entries.Length / 16))
        {
            // The added entries are searched linearly on every request, so they stay few; when they (or the removed
            // ones) outgrow that, the trees are rebuilt in memory from what is live (no database).
            var builder = new Builder(entries.Length - removed.Count + added.Count);
            var codes = new Dictionary<ulong, string[]>();
            string[] Codes(ulong mask) => codes.TryGetValue(mask, out var found) ? found : codes[mask] = Base.Codes(mask);
            for (var i = 0; i < entries.Length; i++)
            {
                if (!removed.Contains(i))
                {
                    builder.Add(entries[i], Base.ServiceIds[i], Base.LocationIds[i], Base.X[i], Base.Y[i], Base.Z[i], Codes(entries[i].Categories));
                }
            }
            foreach (var a in added)
            {
                builder.Add(a.Entry, a.ServiceId, a.LocationId, a.X, a.Y, a.Z, Codes(a.Entry.Categories));
            }
            layer = builder.Layer();
            if (layer is null)
            {
                return null;
            }
            removed = [];
            added = [];
        }
        return new NearestGeneration(layer, removed, [.. added], snapshot, stamp, changed)
        {
            _hours = hoursBase,
            _hoursChanged = hoursChanged,
            Services = Copy(Services, services),
            Locations = Copy(Locations, locations),
        };
    }

    private static ConcurrentDictionary<Guid, T> Copy<T>(ConcurrentDictionary<Guid, T> cache, HashSet<Guid> drop) =>
        new(cache.Where(p => !drop.Contains(p.Key)));

    /// <summary>
    /// Service-at-location ids matching everything but opening hours, nearest first by great-circle distance to
    /// (<paramref name="lat"/>, <paramref name="lng"/>), within <paramref name="maxDistanceM"/> (with a margin: the
    /// database applies the exact ellipsoidal bound).
    /// </summary>
    public IEnumerable<Guid> Nearest(double lat, double lng, ServiceFilter f, double? maxDistanceM) =>
        Candidates(lat, lng, f, maxDistanceM).Select(c => c.Id);

    /// <summary>A proposed service at location: ids, its public point (degrees) and whether it is an approximate site.</summary>
    internal readonly record struct Candidate(Guid Id, Guid ServiceId, Guid LocationId, double Lat, double Lng, bool Approximate);

    private static Candidate ToCandidate(in Entry e, Guid serviceId, Guid locationId, double x, double y, double z) =>
        new(e.Id, serviceId, locationId, Math.Asin(Math.Clamp(z, -1, 1)) * 180 / Math.PI, Math.Atan2(y, x) * 180 / Math.PI, e.Profile.Approximate);

    /// <summary><see cref="Nearest"/> with what the in-memory answer needs of each candidate.</summary>
    public IEnumerable<Candidate> Candidates(double lat, double lng, ServiceFilter f, double? maxDistanceM)
    {
        var mask = Base.Mask(f.Categories);
        var tree = f.Categories.Length == 1 ? Base.ByCategory[Base.Bits[f.Categories[0]]] : Base.All;
        var maxChord2 = double.PositiveInfinity;
        if (maxDistanceM is { } max)
        {
            var angle = ((max * 1.01) + 100) / EarthRadiusM;
            if (angle < Math.PI)
            {
                var chord = 2 * Math.Sin(angle / 2);
                maxChord2 = chord * chord;
            }
        }
        var cutoff = f.ExcludeStale ? Infrastructure.Freshness.Cutoff(f.At) : (DateOnly?)null;
        var (x, y, z) = Unit(lat, lng);
        // The added entries that match, by distance, merged into the tree's stream.
        var extra = new List<(Candidate Id, double D)>();
        foreach (var a in _added)
        {
            var d = ((a.X - x) * (a.X - x)) + ((a.Y - y) * (a.Y - y)) + ((a.Z - z) * (a.Z - z));
            if (d <= maxChord2 && Matches(a.Entry, f, mask, cutoff))
            {
                extra.Add((ToCandidate(a.Entry, a.ServiceId, a.LocationId, a.X, a.Y, a.Z), d));
            }
        }
        extra.Sort((p, q) => p.D.CompareTo(q.D));
        var k = 0;
        if (tree is not null)
        {
            foreach (var (i, d) in tree.Nearest(x, y, z, maxChord2))
            {
                while (k < extra.Count && extra[k].D <= d)
                {
                    yield return extra[k++].Id;
                }
                if (!_removed.Contains(i) && Matches(Base.Entries[i], f, mask, cutoff))
                {
                    yield return ToCandidate(Base.Entries[i], Base.ServiceIds[i], Base.LocationIds[i], Base.X[i], Base.Y[i], Base.Z[i]);
                }
            }
        }
        while (k < extra.Count)
        {
            yield return extra[k++].Id;
        }
    }

    // The memory twin of ServiceFilters.Eligible (less the status, already active here, and the search) and Borders.In/Abroad.
    private static bool Matches(in Entry entry, ServiceFilter f, ulong mask, DateOnly? cutoff)
    {
        if (mask != 0 && (entry.Categories & mask) == 0)
        {
            return false;
        }
        var e = entry.Profile;
        if (f.Language is { } language && Array.IndexOf(e.Languages, language) < 0)
        {
            return false;
        }
        if (f.Age is { } age && ((e.MinimumAge is { } min && min > age) || (e.MaximumAge is { } maxAge && maxAge < age)))
        {
            return false;
        }
        if (f.Gender is { } gender && gender != "any" && Array.IndexOf(e.Genders, "any") < 0 && Array.IndexOf(e.Genders, gender) < 0)
        {
            return false;
        }
        if (f.Mode is { } mode && Array.IndexOf(e.DeliveryModes, mode) < 0)
        {
            return false;
        }
        if (f.Free is { } free && e.IsFree != free)
        {
            return false;
        }
        if (f.Audience is { } audience && e.Audience.Length > 0 && Array.IndexOf(e.Audience, audience) < 0)
        {
            return false;
        }
        if (cutoff is { } c && e.AssuredDate is { } assured && assured < c)
        {
            return false;
        }
        if (f.Country is { } country && !In(e, country))
        {
            return false;
        }
        if (f.OutsideCountry is { } home && In(e, home))
        {
            return false;
        }
        return true;
    }

    // Borders.In: an address in the country, or no address and inside no other country's outline.
    private static bool In(Profile e, string country) =>
        Array.IndexOf(e.AddressCountries, country) >= 0
        || (e.AddressCountries.Length == 0 && Array.TrueForAll(e.CoveringCountries, c => c == country));

    private static (double X, double Y, double Z) Unit(double lat, double lng)
    {
        var φ = lat * Math.PI / 180;
        var λ = lng * Math.PI / 180;
        return (Math.Cos(φ) * Math.Cos(λ), Math.Cos(φ) * Math.Sin(λ), Math.Sin(φ));
    }

    /// <summary>
    /// What a filter needs of one service at location: its category codes as bits of the base's <see cref="Layer.Bits"/>
    /// and its eligibility <see cref="Profile"/>, one object shared by every entry with the same columns (32 bytes an
    /// entry instead of about 100 with the columns inline, issue 15).
    /// </summary>
    internal readonly record struct Entry(Guid Id, ulong Categories, Profile Profile);

    /// <summary>
    /// The eligibility columns of a service at location (or of a service: no countries, not approximate). A record: two
    /// profiles with the same values and the same array instances are equal, so a load keeps one of each
    /// (<see cref="Interner"/>) — a million sites have a few thousand distinct ones.
    /// </summary>
    internal sealed record Profile(
        short? MinimumAge, short? MaximumAge, bool? IsFree, DateOnly? AssuredDate,
        string[] Languages, string[] Genders, string[] DeliveryModes, string[] Audience, string?[] AddressCountries, string[] CoveringCountries,
        bool Approximate = false);

    /// <summary>A row read for a delta.</summary>
    internal sealed record Row(Guid Id, Guid ServiceId, Guid LocationId, double Lat, double Lng, Entry Entry, string[] Categories);

    private sealed record Added(Entry Entry, Guid ServiceId, Guid LocationId, double X, double Y, double Z);

    /// <summary>Entries (with their services, locations and unit vectors) and the trees over them.</summary>
    internal sealed class Layer
    {
        public required Entry[] Entries { get; init; }
        public required Guid[] ServiceIds { get; init; }
        public required Guid[] LocationIds { get; init; }
        public required double[] X { get; init; }
        public required double[] Y { get; init; }
        public required double[] Z { get; init; }
        public required Dictionary<string, int> Bits { get; init; }
        public required string[] CodeOfBit { get; init; }
        public required KdTree?[] ByCategory { get; init; }
        public required KdTree All { get; init; }

        public ulong Mask(IEnumerable<string> codes)
        {
            ulong mask = 0;
            foreach (var c in codes)
            {
                mask |= 1UL << Bits[c];
            }
            return mask;
        }

        public string[] Codes(ulong mask) => [.. Enumerable.Range(0, CodeOfBit.Length).Where(b => (mask & (1UL << b)) != 0).Select(b => CodeOfBit[b])];
    }

    /// <summary>
    /// Collects a layer's entries straight into its final arrays (sized by the caller's upper bound, grown only past it),
    /// each profile and category list interned as it comes: at a million rows nothing is held twice and no array of rows
    /// is copied (issue 15: the load itself was the API's memory peak). One use: <see cref="Layer"/> hands the arrays over.
    /// </summary>
    internal sealed class Builder(int capacity = 16)
    {
        private readonly Interner _intern = new();
        // The distinct category lists; while building, an entry's Categories holds its list's index here (a mask only
        // once every code, and so every bit, is known).
        private readonly List<string[]> _sets = [];
        private readonly Dictionary<string[], int> _setIndex = new(ReferenceEqualityComparer.Instance);
        private Entry[] _entries = new Entry[Math.Max(capacity, 1)];
        private Guid[] _services = new Guid[Math.Max(capacity, 1)];
        private Guid[] _locations = new Guid[Math.Max(capacity, 1)];
        private double[] _x = new double[Math.Max(capacity, 1)];
        private double[] _y = new double[Math.Max(capacity, 1)];
        private double[] _z = new double[Math.Max(capacity, 1)];
        private int _count;

        public void Add(Guid id, Guid serviceId, Guid locationId, double lat, double lng, Entry entry, string[] categories)
        {
            _ = id;
            var (x, y, z) = Unit(lat, lng);
            Add(entry, serviceId, locationId, x, y, z, categories);
        }

        public void Add(Entry entry, Guid serviceId, Guid locationId, double x, double y, double z, string[] categories)
        {
            if (_count == _entries.Length)
            {
                Resize(_count + Math.Max(16, _count / 2));
            }
            var set = _intern.Of(categories);
            if (!_setIndex.TryGetValue(set, out var index))
            {
                _setIndex[set] = index = _sets.Count;
                _sets.Add(set);
            }
            _entries[_count] = new Entry(entry.Id, (ulong)index, _intern.Of(entry.Profile));
            _services[_count] = serviceId;
            _locations[_count] = locationId;
            _x[_count] = x;
            _y[_count] = y;
            _z[_count] = z;
            _count++;
        }

        private void Resize(int length)
        {
            Array.Resize(ref _entries, length);
            Array.Resize(ref _services, length);
            Array.Resize(ref _locations, length);
            Array.Resize(ref _x, length);
            Array.Resize(ref _y, length);
            Array.Resize(ref _z, length);
        }

        public NearestGeneration? Build(string snapshot, long stamp, Dictionary<Guid, ServiceFacts>? hours = null) =>
            Layer() is { } layer ? new NearestGeneration(layer, [], [], snapshot, stamp, 0).WithHours(hours ?? []) : null;

        /// <summary>Null with more categories than bits: the SQL path answers (none of the deployments comes near).</summary>
        public Layer? Layer()
        {
            var codes = _sets.SelectMany(s => s).Distinct().Order(StringComparer.Ordinal).ToArray();
            if (codes.Length > 64)
            {
                return null;
            }
            var bits = codes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
            var masks = _sets.Select(s => s.Aggregate(0UL, (mask, c) => mask | (1UL << bits[c]))).ToArray();
            if (_count != _entries.Length)
            {
                Resize(_count); // one array at a time: the upper bound is close
            }
            // Members per category, counted first so each list is allocated once at its size.
            var sizes = new int[codes.Length];
            for (var i = 0; i < _count; i++)
            {
                var mask = masks[(int)_entries[i].Categories];
                _entries[i] = _entries[i] with { Categories = mask };
                for (var b = 0; b < codes.Length; b++)
                {
                    if ((mask & (1UL << b)) != 0)
                    {
                        sizes[b]++;
                    }
                }
            }
            var members = sizes.Select(n => new int[n]).ToArray();
            Array.Clear(sizes);
            for (var i = 0; i < _count; i++)
            {
                var mask = _entries[i].Categories;
                for (var b = 0; b < codes.Length; b++)
                {
                    if ((mask & (1UL << b)) != 0)
                    {
                        members[b][sizes[b]++] = i; // once per category, however often a row names it
                    }
                }
            }
            return new Layer
            {
                Entries = _entries,
                ServiceIds = _services,
                LocationIds = _locations,
                X = _x,
                Y = _y,
                Z = _z,
                Bits = bits,
                CodeOfBit = codes,
                ByCategory = [.. members.Select(m => m.Length == 0 ? null : new KdTree(m, _x, _y, _z))],
                All = new KdTree([.. Enumerable.Range(0, _count)], _x, _y, _z),
            };
        }
    }

    /// <summary>A static 3-D k-d tree over unit vectors; best-first search yields points by increasing chord length.</summary>
    internal sealed class KdTree
    {
        private const int LeafSize = 12;
        private readonly int[] _ids;
        private readonly double[] _x, _y, _z;
        private readonly Node[] _nodes;
        private int _built;

        public KdTree(int[] ids, double[] xs, double[] ys, double[] zs)
        {
            _ids = ids;
            _x = [.. ids.Select(i => xs[i])];
            _y = [.. ids.Select(i => ys[i])];
            _z = [.. ids.Select(i => zs[i])];
            _nodes = new Node[ids.Length > 0 ? NodeCount(ids.Length) : 0];
            if (ids.Length > 0)
            {
                Build(0, ids.Length);
            }
        }

        // Build's node count for n points (it splits at the middle until a leaf): the nodes are allocated once.
        private static int NodeCount(int n) => n > LeafSize ? 1 + NodeCount(n / 2) + NodeCount(n - (n / 2)) : 1;

        private readonly record struct Node(int Lo, int Hi, int Left, int Right, double MinX, double MinY, double MinZ, double MaxX, double MaxY, double MaxZ);

        private int Build(int lo, int hi)
        {
            double minX = double.MaxValue, minY = double.MaxValue, minZ = double.MaxValue;
            double maxX = double.MinValue, maxY = double.MinValue, maxZ = double.MinValue;
            for (var i = lo; i < hi; i++)
            {
                minX = Math.Min(minX, _x[i]); maxX = Math.Max(maxX, _x[i]);
                minY = Math.Min(minY, _y[i]); maxY = Math.Max(maxY, _y[i]);
                minZ = Math.Min(minZ, _z[i]); maxZ = Math.Max(maxZ, _z[i]);
            }
            var index = _built++;
            int left = -1, right = -1;
            if (hi - lo > LeafSize)
            {
                var dx = maxX - minX;
                var dy = maxY - minY;
                var dz = maxZ - minZ;
                var axis = dx >= dy && dx >= dz ? _x : dy >= dz ? _y : _z;
                var mid = (lo + hi) / 2;
                Select(axis, lo, hi - 1, mid);
                left = Build(lo, mid);
                right = Build(mid, hi);
            }
            _nodes[index] = new Node(lo, hi, left, right, minX, minY, minZ, maxX, maxY, maxZ);
            return index;
        }

        // Quickselect on the axis, moving every parallel array along.
        private void Select(double[] key, int lo, int hi, int k)
        {
            while (hi > lo)
            {
                var pivot = key[(lo + hi) >>> 1];
                int i = lo, j = hi;
                while (i <= j)
                {
                    while (key[i] < pivot)
                    {
                        i++;
                    }
                    while (key[j] > pivot)
                    {
                        j--;
                    }
                    if (i <= j)
                    {
                        Swap(i, j);
                        i++;
                        j--;
                    }
                }
                if (k <= j)
                {
                    hi = j;
                }
                else if (k >= i)
                {
                    lo = i;
                }
                else
                {
                    return;
                }
            }
        }

        private void Swap(int a, int b)
        {
            (_ids[a], _ids[b]) = (_ids[b], _ids[a]);
            (_x[a], _x[b]) = (_x[b], _x[a]);
            (_y[a], _y[b]) = (_y[b], _y[a]);
            (_z[a], _z[b]) = (_z[b], _z[a]);
        }

        public IEnumerable<(int Index, double Chord2)> Nearest(double x, double y, double z, double maxChord2)
        {
            if (_nodes.Length == 0)
            {
                yield break;
            }
            // Nodes as their index, points as ~position; priority: squared distance (a lower bound for nodes).
            var queue = new PriorityQueue<int, double>();
            queue.Enqueue(0, BoxDistance(_nodes[0], x, y, z));
            while (queue.TryDequeue(out var item, out var d))
            {
                if (d > maxChord2)
                {
                    yield break;
                }
                if (item < 0)
                {
                    yield return (_ids[~item], d);
                    continue;
                }
                ref readonly var node = ref _nodes[item];
                if (node.Left < 0)
                {
                    for (var i = node.Lo; i < node.Hi; i++)
                    {
                        var ex = _x[i] - x;
                        var ey = _y[i] - y;
                        var ez = _z[i] - z;
                        queue.Enqueue(~i, (ex * ex) + (ey * ey) + (ez * ez));
                    }
                }
                else
                {
                    queue.Enqueue(node.Left, BoxDistance(_nodes[node.Left], x, y, z));
                    queue.Enqueue(node.Right, BoxDistance(_nodes[node.Right], x, y, z));
                }
            }
        }

        private static double BoxDistance(in Node n, double x, double y, double z)
        {
            var dx = x < n.MinX ? n.MinX - x : x > n.MaxX ? x - n.MaxX : 0;
            var dy = y < n.MinY ? n.MinY - y : y > n.MaxY ? y - n.MaxY : 0;
            var dz = z < n.MinZ ? n.MinZ - z : z > n.MaxZ ? z - n.MaxZ : 0;
            return (dx * dx) + (dy * dy) + (dz * dz);
        }
    }
}

/// <summary>
/// A service's opening hours, eligibility columns and category codes, and whether it is active. No id: services with
/// the same facts share one object (<see cref="NearestIndex.ReadHoursAsync"/>; a million services have a few thousand).
/// </summary>
internal sealed record ServiceFacts(OpenHours Hours, NearestGeneration.Profile Profile, string[] Categories, bool Active);

/// <summary>
/// One instance of each distinct value a load reads again and again — string arrays (languages, countries, category
/// codes), eligibility profiles, opening hours, service facts: a million rows share a few thousand of each, and each row
/// kept its own before (issue 15). Lives for one load.
/// </summary>
internal sealed class Interner
{
    private readonly Dictionary<string, string[]> _arrays = new(StringComparer.Ordinal);
    private readonly Dictionary<NearestGeneration.Profile, NearestGeneration.Profile> _profiles = [];
    private readonly Dictionary<string, OpenHours> _hours = new(StringComparer.Ordinal);
    private readonly Dictionary<ServiceFacts, ServiceFacts> _facts = [];

    public string[] Of(string?[] values)
    {
        if (values.Length == 0)
        {
            return [];
        }
        var key = string.Join('\u0002', values.Select(v => v ?? "\u0003"));
        if (_arrays.TryGetValue(key, out var found))
        {
            return found;
        }
        _arrays[key] = values!;
        return values!;
    }

    /// <summary>The profile with its arrays interned (a record: equal values and array instances make equal profiles).</summary>
    public NearestGeneration.Profile Of(NearestGeneration.Profile profile)
    {
        profile = profile with
        {
            Languages = Of(profile.Languages),
            Genders = Of(profile.Genders),
            DeliveryModes = Of(profile.DeliveryModes),
            Audience = Of(profile.Audience),
            AddressCountries = Of(profile.AddressCountries),
            CoveringCountries = Of(profile.CoveringCountries),
        };
        if (_profiles.TryGetValue(profile, out var found))
        {
            return found;
        }
        _profiles[profile] = profile;
        return profile;
    }

    /// <summary>Opening hours of these slots (the same slots in the same order: the same instance).</summary>
    public OpenHours Of(List<OpenHours.Slot> slots, bool uncertain)
    {
        var key = string.Join(';', slots.Select(s => $"{s.Days},{s.Opens},{s.Closes},{s.From?.DayNumber},{s.To?.DayNumber},{s.Zone.Id}")) + (uncertain ? "?" : "");
        if (_hours.TryGetValue(key, out var found))
        {
            return found;
        }
        return _hours[key] = OpenHours.From(false, slots, uncertain);
    }

    /// <summary>The facts (their hours, profile and categories already interned: compared by reference).</summary>
    public ServiceFacts Of(ServiceFacts facts)
    {
        if (_facts.TryGetValue(facts, out var found))
        {
            return found;
        }
        _facts[facts] = facts;
        return facts;
    }
}

/// <summary>
/// A service as the nearest answers show it: its summary document (<see cref="ServiceMapping.Summary"/>) and its phones,
/// mapped once. The verification status depends on the day, so it is recomputed for each answer (<see cref="Document"/>).
/// </summary>
internal sealed record ServiceCard(ServiceDocument Summary, IReadOnlyList<PhoneDocument> Phones, DateOnly? AssuredDate)
{
    public static ServiceCard From(Service s)
    {
        CardPool.Compact(s);
        var summary = ServiceMapping.Summary(s);
        summary = summary with
        {
            Organization = summary.Organization is { } organization ? CardPool.Of(organization) : null,
            Categories = summary.Categories is { } categories ? CardPool.Of(categories) : null,
        };
        return new(summary, [.. s.Phones.OrderBy(p => p.Id).Select(ServiceMapping.ToDocument)], s.AssuredDate);
    }

    /// <summary>The summary as <see cref="ServiceMapping.Summary"/> maps it at <paramref name="now"/>.</summary>
    public ServiceDocument Document(DateTimeOffset now)
    {
        var status = Infrastructure.Freshness.Status(AssuredDate, now);
        return status == Summary.VerificationStatus ? Summary : Summary with { VerificationStatus = status };
    }
}

/// <summary>A location as the public sees it (<see cref="LocationMapping.ToDocument(Location, Access.Actor)"/>) and its country.</summary>
internal sealed record LocationCard(LocationDocument Public, string? Country);

/// <summary>
/// One copy of the values many cached documents repeat (statuses, codes, cities, category lists, an organization's
/// document shared by its services): the cached cards of a million-site directory must stay well under the memory budget
/// (issue 15). Bounded: past <see cref="MaxValues"/> values a new one is kept as it is, unshared.
/// </summary>
internal static class CardPool
{
    private const int MaxValues = 100_000;
    private const int MaxLength = 160;
    private static readonly ConcurrentDictionary<string, string> Strings = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string[]> Arrays = new(StringComparer.Ordinal);
    // Records compare by value: two equal documents serialise alike, so one can stand for the other.
    private static readonly ConcurrentDictionary<OrganizationDocument, OrganizationDocument> Organizations = new();

    public static string? Of(string? value)
    {
        if (value is null || value.Length > MaxLength)
        {
            return value;
        }
        if (Strings.TryGetValue(value, out var found))
        {
            return found;
        }
        return Strings.Count < MaxValues ? Strings.GetOrAdd(value, value) : value;
    }

    public static string[] Of(string[] values)
    {
        if (values.Length == 0)
        {
            return [];
        }
        var key = string.Join('\u0002', values);
        if (Arrays.TryGetValue(key, out var found))
        {
            return found;
        }
        return Arrays.Count < MaxValues ? Arrays.GetOrAdd(key, _ => [.. values.Select(v => Of(v)!)]) : values;
    }

    public static OrganizationDocument Of(OrganizationDocument organization)
    {
        if (Organizations.TryGetValue(organization, out var found))
        {
            return found;
        }
        return Organizations.Count < MaxValues ? Organizations.GetOrAdd(organization, organization) : organization;
    }

    /// <summary>The service's, its organization's and its phones' repeated values, pooled in place (a row read for a card only).</summary>
    public static void Compact(Service s)
    {
        s.Status = Of(s.Status)!;
        s.Description = Of(s.Description);
        s.InterpretationServices = Of(s.InterpretationServices);
        s.ApplicationProcess = Of(s.ApplicationProcess);
        s.FeesDescription = Of(s.FeesDescription);
        s.EligibilityDescription = Of(s.EligibilityDescription);
        s.Alert = Of(s.Alert);
        s.Source = Of(s.Source);
        s.Genders = Of(s.Genders);
        s.DeliveryModes = Of(s.DeliveryModes);
        s.Languages = Of(s.Languages);
        s.Audience = Of(s.Audience);
        s.Platforms = Of(s.Platforms);
        foreach (var p in s.Phones)
        {
            p.Type = Of(p.Type);
            p.Description = Of(p.Description);
            p.Languages = Of(p.Languages);
        }
        foreach (var a in s.Attributes)
        {
            if (a.TaxonomyTerm is { } term)
            {
                term.Code = Of(term.Code)!;
            }
        }
    }

    /// <summary>A location's repeated values, pooled in place (a row read for a card only).</summary>
    public static void Compact(Location l)
    {
        l.LocationType = Of(l.LocationType)!;
        l.Visibility = Of(l.Visibility)!;
        l.Source = Of(l.Source);
        l.Transportation = Of(l.Transportation);
        l.Accessibility = Of(l.Accessibility);
        foreach (var a in l.Addresses)
        {
            a.Address1 = Of(a.Address1);
            a.City = Of(a.City)!;
            a.Region = Of(a.Region);
            a.StateProvince = Of(a.StateProvince);
            a.PostalCode = Of(a.PostalCode);
            a.Country = Of(a.Country)!;
            a.AddressType = Of(a.AddressType)!;
        }
    }
}
