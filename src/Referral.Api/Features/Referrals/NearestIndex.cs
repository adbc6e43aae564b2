using System.Collections.Concurrent;
using System.Data;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Locations;
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
/// Freshness: every write to a table it reads moves the sequence <c>nearest_version</c> (statement triggers, migration
/// AddNearestIndexVersion). A request reads the sequence first and uses the index only when it was loaded at that
/// version; otherwise it takes the SQL path and the instance reloads (so does a <c>NOTIFY referral_cache, 'nearest'</c>).
/// A half-loaded index is never used: a load is swapped in whole.
/// </para>
/// </summary>
internal sealed class NearestIndex(IConfiguration configuration, IOptions<ReferralSettings> settings, ILogger<NearestIndex> logger) : BackgroundService
{
    /// <summary>The advisory lock writers hold (shared, to commit) and a loader takes (exclusive, for an instant).</summary>
    public const long WriterLock = 1515001;

    /// <summary>Notification payload on <see cref="DbNotifications.CacheChannel"/>.</summary>
    public const string Notification = "nearest";

    private readonly SemaphoreSlim _signal = new(0, 1);
    private volatile NearestGeneration? _current;
    private volatile bool _dirty = true;

    /// <summary>The loaded generation (tests and diagnostics), whatever the database's version.</summary>
    internal NearestGeneration? Loaded => _current;

    /// <summary>Completes a load (tests): the generation now in use.</summary>
    internal event Action<NearestGeneration>? Swapped;

    public bool Enabled => settings.Value.InMemoryIndex;

    /// <summary>Asks for a reload (a change was notified, or a request saw a newer version).</summary>
    public void Invalidate()
    {
        _dirty = true;
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // already signalled
            }
        }
    }

    /// <summary>
    /// The generation to use for this request, or null (not loaded yet, or older than the database: the SQL path then).
    /// One statement: the database's version.
    /// </summary>
    public async Task<NearestGeneration?> CurrentAsync(ReferralDbContext db, CancellationToken ct)
    {
        if (!Enabled)
        {
            return null;
        }
        var gen = _current;
        if (gen is null)
        {
            Invalidate();
            return null;
        }
        var version = (await db.Database.SqlQueryRaw<long>(VersionSql).ToListAsync(ct)).Single();
        if (version == gen.Version)
        {
            return gen;
        }
        Invalidate();
        return null;
    }

    private const string VersionSql = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS \"Value\" FROM nearest_version";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!_dirty)
            {
                try
                {
                    await _signal.WaitAsync(stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            _dirty = false;
            try
            {
                if (_current is { } loaded && await DatabaseVersionAsync(stoppingToken) == loaded.Version)
                {
                    continue; // a repeated signal (start-up, requests during the first load): nothing changed since
                }
                var clock = Stopwatch.StartNew();
                var gen = await LoadAsync(stoppingToken);
                if (gen is not null)
                {
                    _current = gen;
                    Swapped?.Invoke(gen);
                    logger.LogInformation("Nearest index: {Count} service-at-locations at version {Version} in {Ms} ms",
                        gen.Count, gen.Version, clock.ElapsedMilliseconds);
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
                if (ex is NpgsqlException or IOException or TimeoutException)
                {
                    logger.LogDebug(ex, "Nearest index load failed; retrying");
                }
                else
                {
                    logger.LogWarning(ex, "Nearest index load failed; retrying");
                }
                try
                {
                    // Backing off: an unreachable database is not to be hammered (each attempt opens two connections).
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 250 << Math.Min(failures, 7))), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private string LoaderConnectionString => new NpgsqlConnectionStringBuilder(DataSetup.WithSessionSettings(DataSetup.ConnectionString(configuration)))
    {
        Pooling = false,
        CommandTimeout = 600,
    }.ConnectionString;

    // The version of what is committed: a writer in flight has moved the sequence already, so this is never behind.
    private async Task<long> DatabaseVersionAsync(CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(LoaderConnectionString);
        await conn.OpenAsync(ct);
        await using var read = new NpgsqlCommand(VersionSql, conn);
        return (long)(await read.ExecuteScalarAsync(ct))!;
    }

    private async Task<NearestGeneration?> LoadAsync(CancellationToken ct)
    {
        var connectionString = LoaderConnectionString;
        await using var gate = new NpgsqlConnection(connectionString);
        await using var conn = new NpgsqlConnection(connectionString);
        await gate.OpenAsync(ct);
        await conn.OpenAsync(ct);
        // Wait for the writers in flight (they hold the lock shared until they commit), read the version and take the
        // snapshot while new writers wait, then let them go: every change counted in the version is in the snapshot, and
        // every later one moves the version past it. A short lock timeout: a loader never holds writers up for long.
        // The loader is the one to give way: a lock it waits for (the advisory lock, or a table an operator's TRUNCATE or
        // a migration holds while it waits for the loader) makes it stop and retry, well before PostgreSQL's deadlock
        // detector could pick the writer as the victim.
        foreach (var c in new[] { gate, conn })
        {
            await using var timeout = new NpgsqlCommand("SET lock_timeout = '200ms'", c);
            await timeout.ExecuteNonQueryAsync(ct);
        }
        try
        {
            await using var take = new NpgsqlCommand($"SELECT pg_advisory_lock({WriterLock})", gate);
            await take.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            _dirty = true;
            await Task.Delay(50, ct);
            return null;
        }
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        long version;
        try
        {
            await using var read = new NpgsqlCommand(VersionSql, conn, tx);
            version = (long)(await read.ExecuteScalarAsync(ct))!;
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({WriterLock})", gate);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
        var builder = new NearestGeneration.Builder(version);
        await using (var load = new NpgsqlCommand(LoadSql, conn, tx))
        {
            load.Parameters.AddWithValue("taxonomy", ServiceMapping.CategoryTaxonomy);
            await using var reader = await load.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                builder.Add(
                    reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetDouble(3), reader.GetDouble(4),
                    reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetInt32(6),
                    reader.IsDBNull(7) ? null : reader.GetBoolean(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateOnly>(8),
                    reader.GetFieldValue<string[]>(9), reader.GetFieldValue<string[]>(10), reader.GetFieldValue<string[]>(11), reader.GetFieldValue<string[]>(12),
                    reader.IsDBNull(13) ? [] : reader.GetFieldValue<string[]>(13),
                    reader.IsDBNull(14) ? [] : reader.GetFieldValue<string?[]>(14),
                    reader.IsDBNull(15) ? [] : reader.GetFieldValue<string[]>(15));
            }
        }
        await tx.CommitAsync(ct);
        return builder.Build();
    }

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
                   WHERE r.level = 0 AND length(r.code) = 2 AND r.geometry IS NOT NULL AND ST_Covers(r.geometry, l.public_point)) END
          FROM service_at_location x
          JOIN location l ON l.id = x.location_id
          JOIN service s ON s.id = x.service_id
         WHERE s.status = 'active' AND l.public_point IS NOT NULL
        """;
}

/// <summary>One loaded, immutable state of the index, and the rows the answers showed at that version.</summary>
internal sealed class NearestGeneration
{
    private const double EarthRadiusM = 6_371_008.8;
    private const int MaxCachedRows = 200_000;

    private readonly Entry[] _entries;
    private readonly Dictionary<string, int> _bits;
    private readonly KdTree?[] _byCategory;
    private readonly KdTree _all;

    private NearestGeneration(long version, Entry[] entries, Dictionary<string, int> bits, KdTree?[] byCategory, KdTree all)
    {
        Version = version;
        _entries = entries;
        _bits = bits;
        _byCategory = byCategory;
        _all = all;
    }

    public long Version { get; }

    public int Count => _entries.Length;

    /// <summary>Services with organization, phones and categories, as <c>NearestQueries</c> loads them, by id.</summary>
    public ConcurrentDictionary<Guid, Service> Services { get; } = new();

    /// <summary>Locations with addresses, by id.</summary>
    public ConcurrentDictionary<Guid, Location> Locations { get; } = new();

    /// <summary>The country of each location (<see cref="Borders.CountriesAsync"/>), null when none, by location id.</summary>
    public ConcurrentDictionary<Guid, string?> Countries { get; } = new();

    public static void Keep<T>(ConcurrentDictionary<Guid, T> cache, Guid id, T value)
    {
        if (cache.Count < MaxCachedRows)
        {
            cache.TryAdd(id, value);
        }
    }

    /// <summary>Whether the index can propose candidates for this filter (full-text search and unknown categories cannot).</summary>
    public bool Serves(ServiceFilter f) => f.Search is null && f.Categories.All(_bits.ContainsKey);

    /// <summary>
    /// Service-at-location ids matching everything but opening hours, nearest first by great-circle distance to
    /// (<paramref name="lat"/>, <paramref name="lng"/>), within <paramref name="maxDistanceM"/> (with a margin: the
    /// database applies the exact ellipsoidal bound).
    /// </summary>
    public IEnumerable<Guid> Nearest(double lat, double lng, ServiceFilter f, double? maxDistanceM)
    {
        ulong mask = 0;
        foreach (var c in f.Categories)
        {
            mask |= 1UL << _bits[c];
        }
        var tree = f.Categories.Length == 1 ? _byCategory[_bits[f.Categories[0]]] : _all;
        if (tree is null)
        {
            yield break;
        }
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
        foreach (var i in tree.Nearest(x, y, z, maxChord2))
        {
            if (Matches(_entries[i], f, mask, cutoff))
            {
                yield return _entries[i].Id;
            }
        }
    }

    // The memory twin of ServiceFilters.Eligible (less the status, already active here, and the search) and Borders.In/Abroad.
    private static bool Matches(in Entry e, ServiceFilter f, ulong mask, DateOnly? cutoff)
    {
        if (mask != 0 && (e.Categories & mask) == 0)
        {
            return false;
        }
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
    private static bool In(in Entry e, string country) =>
        Array.IndexOf(e.AddressCountries, country) >= 0
        || (e.AddressCountries.Length == 0 && Array.TrueForAll(e.CoveringCountries, c => c == country));

    private static (double X, double Y, double Z) Unit(double lat, double lng)
    {
        var φ = lat * Math.PI / 180;
        var λ = lng * Math.PI / 180;
        return (Math.Cos(φ) * Math.Cos(λ), Math.Cos(φ) * Math.Sin(λ), Math.Sin(φ));
    }

    private readonly record struct Entry(
        Guid Id, ulong Categories, short? MinimumAge, short? MaximumAge, bool? IsFree, DateOnly? AssuredDate,
        string[] Languages, string[] Genders, string[] DeliveryModes, string[] Audience, string?[] AddressCountries, string[] CoveringCountries);

    internal sealed class Builder(long version)
    {
        private readonly List<(Entry Entry, string[] Categories, double X, double Y, double Z)> _rows = [];
        private readonly Dictionary<string, string[]> _arrays = new(StringComparer.Ordinal);

        public void Add(Guid id, Guid serviceId, Guid locationId, double lat, double lng, int? minAge, int? maxAge, bool? free, DateOnly? assured,
            string[] languages, string[] genders, string[] modes, string[] audience, string[] categories, string?[] addressCountries, string[] covering)
        {
            _ = serviceId;
            _ = locationId;
            var (x, y, z) = Unit(lat, lng);
            var entry = new Entry(id, 0, (short?)minAge, (short?)maxAge, free, assured,
                Intern(languages), Intern(genders), Intern(modes), Intern(audience), Intern(addressCountries), Intern(covering));
            _rows.Add((entry, categories, x, y, z));
        }

        // A million rows share a few dozen distinct arrays: keep one of each.
        private string[] Intern(string?[] values)
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

        public NearestGeneration? Build()
        {
            var codes = _rows.SelectMany(r => r.Categories).Distinct().Order(StringComparer.Ordinal).ToList();
            if (codes.Count > 64)
            {
                return null; // more categories than bits: the SQL path answers (none of the deployments comes near)
            }
            var bits = codes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
            var entries = new Entry[_rows.Count];
            var members = codes.Select(_ => new List<int>()).ToArray();
            for (var i = 0; i < _rows.Count; i++)
            {
                ulong mask = 0;
                foreach (var c in _rows[i].Categories)
                {
                    mask |= 1UL << bits[c];
                    members[bits[c]].Add(i);
                }
                entries[i] = _rows[i].Entry with { Categories = mask };
            }
            var xs = _rows.Select(r => r.X).ToArray();
            var ys = _rows.Select(r => r.Y).ToArray();
            var zs = _rows.Select(r => r.Z).ToArray();
            var byCategory = members.Select(m => m.Count == 0 ? null : new KdTree([.. m], xs, ys, zs)).ToArray();
            var all = new KdTree([.. Enumerable.Range(0, _rows.Count)], xs, ys, zs);
            return new NearestGeneration(version, entries, bits, byCategory, all);
        }
    }

    /// <summary>A static 3-D k-d tree over unit vectors; best-first search yields points by increasing chord length.</summary>
    private sealed class KdTree
    {
        private const int LeafSize = 12;
        private readonly int[] _ids;
        private readonly double[] _x, _y, _z;
        private readonly List<Node> _building = [];
        private readonly Node[] _nodes;

        public KdTree(int[] ids, double[] xs, double[] ys, double[] zs)
        {
            _ids = ids;
            _x = [.. ids.Select(i => xs[i])];
            _y = [.. ids.Select(i => ys[i])];
            _z = [.. ids.Select(i => zs[i])];
            if (ids.Length > 0)
            {
                Build(0, ids.Length);
            }
            _nodes = [.. _building];
            _building.Clear();
        }

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
            var index = _building.Count;
            _building.Add(default);
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
            _building[index] = new Node(lo, hi, left, right, minX, minY, minZ, maxX, maxY, maxZ);
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

        public IEnumerable<int> Nearest(double x, double y, double z, double maxChord2)
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
                    yield return _ids[~item];
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
