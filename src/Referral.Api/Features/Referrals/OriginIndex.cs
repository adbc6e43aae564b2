using System.Data;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Index.Strtree;
using NetTopologySuite.IO;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Regions;

namespace Referral.Api.Features.Referrals;

/// <summary>
/// The origin side of nearest in memory (issue 15): where a point is — its country and region codes
/// (<see cref="NearestQueries.OriginAsync"/>) — and which service areas cover it (the <c>remote</c> channels), without a
/// statement per request. Region outlines, gazetteer towns and service areas are held as prepared geometries in
/// STR-trees (<see cref="OriginSnapshot"/>), reloaded whole on any change to <c>region</c>, <c>place</c> or
/// <c>service_area</c>: a trigger records the change in the change log and notifies (migrations AddOriginNotify,
/// RecordOriginChanges), and, as for <see cref="NearestIndex"/>, a poll of the change log every
/// <see cref="NearestIndex.Poll"/> must confirm the snapshot current for it to be used — a lost notification costs at
/// most <see cref="NearestIndex.Trusted"/> of SQL-path answers, never a stale one.
/// <para>
/// It answers only where the answer cannot differ from PostgreSQL's: the outlines are densified along great circles
/// (<c>ST_Segmentize</c> on geography) so their lon/lat edges follow the geography edges within a metre, and a point
/// within <see cref="OriginSnapshot.MarginM"/> of an outline, in the coastal tolerance of a country it is not inside,
/// near the 25 km bound of the gazetteer or tied between two towns, near the poles or the antimeridian, is left to the
/// SQL path (<c>false</c>), which stays the reference. Tests compare both on many points.
/// </para>
/// </summary>
internal sealed class OriginIndex(IConfiguration configuration, IOptions<ReferralSettings> settings, ILogger<OriginIndex> logger) : BackgroundService, IOriginLookup
{
    /// <summary>Notification payload on <see cref="DbNotifications.CacheChannel"/>.</summary>
    public const string Notification = "origin";

    // Reloaded this often even when nothing changed: keeps the snapshot far younger than the change log's pruning horizon.
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _signal = new(0, 1);
    private volatile OriginSnapshot? _current;
    private (string Xmax, string[] Xip) _snapshot; // the change-log snapshot _current was read in
    private long _version;
    private long _currentVersion = -1; // the _version read before _current's snapshot was taken
    private long _loaded;   // Stopwatch timestamp before _current's snapshot was taken
    private long _verified; // Stopwatch timestamp before the last check that found _current current
    private int _loads;
    private NpgsqlConnection? _pollConnection;

    public bool Enabled => settings.Value.InMemoryIndex;

    /// <summary>The loaded snapshot (tests), null while a change is being read.</summary>
    internal OriginSnapshot? Loaded => _current;

    /// <summary>How many times the snapshot was read (tests).</summary>
    internal int Loads => _loads;

    /// <summary>A change was notified (or may have been missed): stop answering from memory at once, and reload.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _version);
        _current = null;
        IndexLoading.Wake(_signal);
    }

    /// <summary>
    /// The snapshot a request may use, or null (the SQL path): none loaded, a change notified since, older than
    /// <see cref="NearestIndex.MaxAge"/>, or not confirmed current by the change-log poll within
    /// <see cref="NearestIndex.Trusted"/> — the same net as the nearest index's, so a change whose notification was lost
    /// is still seen within a second.
    /// </summary>
    private OriginSnapshot? Current
    {
        get
        {
            var snapshot = _current;
            if (snapshot is null || Interlocked.Read(ref _currentVersion) != Interlocked.Read(ref _version)
                || Stopwatch.GetElapsedTime(Interlocked.Read(ref _loaded)) > NearestIndex.MaxAge
                || Stopwatch.GetElapsedTime(Interlocked.Read(ref _verified)) > NearestIndex.Trusted)
            {
                return null;
            }
            return snapshot;
        }
    }

    /// <summary>The origin's country and region codes from memory; false: not loaded, or the SQL path must decide.</summary>
    public bool TryOrigin(Point point, out string? country, out string[] regionCodes)
    {
        country = null;
        regionCodes = [];
        return Current is { } snapshot && snapshot.TryOrigin(point.Y, point.X, out country, out regionCodes);
    }

    /// <summary>
    /// The service areas covering the point (by outline) or naming one of <paramref name="regionCodes"/>; no eligibility,
    /// no opening hours. False: not loaded, or a point on an outline's edge (the SQL path decides).
    /// </summary>
    public bool TryAreasCovering(Point point, string[] regionCodes, out IReadOnlyList<(Guid ServiceId, RemoteArea Area)> areas)
    {
        areas = [];
        return Current is { } snapshot && snapshot.TryAreasCovering(point.Y, point.X, regionCodes, out areas);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        var failures = 0;
        var dirty = true;
        var refreshed = Stopwatch.StartNew();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!dirty)
            {
                try
                {
                    await _signal.WaitAsync(NearestIndex.Poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            try
            {
                if (!dirty && _current is not null && refreshed.Elapsed < Refresh)
                {
                    // No notification: ask the change log anyway (a missed one, a lost listening connection).
                    if (!await PollAsync(stoppingToken))
                    {
                        failures = 0;
                        continue;
                    }
                }
                var version = Interlocked.Read(ref _version);
                var clock = Stopwatch.StartNew();
                var (snapshot, xmax, xip, stamp) = await LoadAsync(stoppingToken);
                Interlocked.Increment(ref _loads);
                // A change notified while reading may or may not be in what was read: read again.
                dirty = Interlocked.Read(ref _version) != version;
                if (!dirty)
                {
                    _snapshot = (xmax, xip);
                    _current = snapshot;
                    Interlocked.Exchange(ref _loaded, stamp);
                    Interlocked.Exchange(ref _verified, stamp);
                    Interlocked.Exchange(ref _currentVersion, version);
                    refreshed.Restart();
                    logger.LogDebug("Origin index: {Regions} outlines, {Places} towns, {Areas} service areas in {Ms} ms",
                        snapshot.Regions, snapshot.Places, snapshot.Areas, clock.ElapsedMilliseconds);
                }
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // No database yet, migrations not applied, a lost connection, a lock in the way: the SQL path answers
                // meanwhile.
                dirty = true;
                if (IndexLoading.GaveWay(ex))
                {
                    await Task.Delay(50, stoppingToken);
                    continue;
                }
                failures++;
                if (!await IndexLoading.BackOffAsync(logger, "Origin index", ex, failures, stoppingToken))
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Whether the change log holds an origin change the loaded snapshot lacks (then: invalidated, true); else the snapshot
    /// is trusted for another <see cref="NearestIndex.Trusted"/> span.
    /// </summary>
    private async Task<bool> PollAsync(CancellationToken ct)
    {
        var stamp = Stopwatch.GetTimestamp();
        var version = Interlocked.Read(ref _version);
        var (xmax, xip) = _snapshot;
        try
        {
            _pollConnection ??= await IndexLoading.OpenAsync(IndexLoading.ConnectionString(configuration), ct);
            await using var probe = new NpgsqlCommand(IndexLoading.OriginChangedSql, _pollConnection);
            probe.Parameters.AddWithValue("xmax", xmax);
            probe.Parameters.AddWithValue("xip", xip);
            if ((bool)(await probe.ExecuteScalarAsync(ct))!)
            {
                Invalidate();
                return true;
            }
            if (Interlocked.Read(ref _currentVersion) == version)
            {
                Interlocked.Exchange(ref _verified, stamp);
            }
            return false;
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

    private async Task<(OriginSnapshot Snapshot, string Xmax, string[] Xip, long Stamp)> LoadAsync(CancellationToken ct)
    {
        var stamp = Stopwatch.GetTimestamp(); // before the snapshot: its age is never underestimated
        await using var conn = await IndexLoading.OpenAsync(IndexLoading.ConnectionString(configuration), ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        string current;
        await using (var read = new NpgsqlCommand("SELECT pg_current_snapshot()::text", conn, tx))
        {
            current = (string)(await read.ExecuteScalarAsync(ct))!;
        }
        var (xmax, xip) = IndexLoading.ParseSnapshot(current);
        var wkb = new WKBReader();
        var builder = new OriginSnapshot.Builder();
        await using (var cmd = new NpgsqlCommand(RegionsSql, conn, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                builder.AddRegion(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt32(2), wkb.Read(reader.GetFieldValue<byte[]>(3)));
            }
        }
        await using (var cmd = new NpgsqlCommand(PlacesSql, conn, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                builder.AddPlace(reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3));
            }
        }
        await using (var cmd = new NpgsqlCommand(AreasSql, conn, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                builder.AddArea(reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetFieldValue<string[]>(3), reader.IsDBNull(4) ? null : wkb.Read(reader.GetFieldValue<byte[]>(4)));
            }
        }
        await tx.CommitAsync(ct);
        return (builder.Build(), xmax, xip, stamp);
    }

    // Densified along great circles, so that straight lon/lat edges follow the geography's edges (≤ ~1 m off at 5 km).
    private const string RegionsSql =
        "SELECT code, parent_code, level, ST_AsBinary(ST_Segmentize(geometry, 5000)::geometry) FROM region WHERE geometry IS NOT NULL";

    private const string PlacesSql =
        "SELECT region_code, country, ST_Y(point::geometry), ST_X(point::geometry) FROM place WHERE region_code IS NOT NULL";

    private const string AreasSql =
        "SELECT id, service_id, name, region_codes, ST_AsBinary(ST_Segmentize(extent, 5000)::geometry) FROM service_area";
}

/// <summary>
/// One loaded copy of the outlines, towns and service areas, with the lookups of <see cref="NearestQueries.OriginAsync"/>
/// and <see cref="NearestQueries.RemoteAsync"/>. Immutable once built.
/// </summary>
internal sealed class OriginSnapshot
{
    /// <summary>A point nearer than this to an outline is left to PostgreSQL.</summary>
    public const double MarginM = 50;

    /// <summary>Gazetteer towns are looked for within this (as in the SQL path, on the spheroid).</summary>
    public const double TownRadiusM = 25_000;

    // The SQL path orders towns on the sphere (geography <->) and bounds them on the spheroid: the two differ by < 0.6 %.
    private const double TownBandM = 150;

    private const double SphereRadiusM = 6_371_008.8;

    private sealed record RegionRow(string Code, string? ParentCode, int Level, IPreparedGeometry Outline);

    private sealed record PlaceRow(string RegionCode, string Country, double Lat, double Lng);

    private sealed record AreaRow(Guid ServiceId, RemoteArea Area, IPreparedGeometry? Extent);

    private readonly STRtree<RegionRow> _regions;
    private readonly STRtree<PlaceRow> _places;
    private readonly STRtree<AreaRow> _extents;
    private readonly Dictionary<string, List<AreaRow>> _byCode;

    private OriginSnapshot(STRtree<RegionRow> regions, STRtree<PlaceRow> places, STRtree<AreaRow> extents, Dictionary<string, List<AreaRow>> byCode, int regionCount, int placeCount, int areaCount)
    {
        _regions = regions;
        _places = places;
        _extents = extents;
        _byCode = byCode;
        Regions = regionCount;
        Places = placeCount;
        Areas = areaCount;
    }

    public int Regions { get; }

    public int Places { get; }

    public int Areas { get; }

    internal sealed class Builder
    {
        private readonly STRtree<RegionRow> _regions = new();
        private readonly STRtree<PlaceRow> _places = new();
        private readonly STRtree<AreaRow> _extents = new();
        private readonly Dictionary<string, List<AreaRow>> _byCode = new(StringComparer.Ordinal);
        private int _regionCount, _placeCount, _areaCount;

        public void AddRegion(string code, string? parentCode, int level, Geometry outline)
        {
            outline = OnOneSide(outline);
            _regions.Insert(outline.EnvelopeInternal, new RegionRow(code, parentCode, level, PreparedGeometryFactory.Prepare(outline)));
            _regionCount++;
        }

        public void AddPlace(string regionCode, string country, double lat, double lng)
        {
            _places.Insert(new Envelope(lng, lng, lat, lat), new PlaceRow(regionCode, country, lat, lng));
            _placeCount++;
        }

        public void AddArea(Guid id, Guid serviceId, string? name, string[] regionCodes, Geometry? extent)
        {
            extent = extent is null ? null : OnOneSide(extent);
            var row = new AreaRow(serviceId, new RemoteArea(id, name, regionCodes, extent is not null, RemoteArea.ServiceHref(serviceId)),
                extent is null ? null : PreparedGeometryFactory.Prepare(extent));
            if (extent is not null)
            {
                _extents.Insert(extent.EnvelopeInternal, row);
            }
            foreach (var code in regionCodes.Distinct(StringComparer.Ordinal))
            {
                if (!_byCode.TryGetValue(code, out var list))
                {
                    _byCode[code] = list = [];
                }
                list.Add(row);
            }
            _areaCount++;
        }

        /// <summary>
        /// Outlines are cut at the antimeridian when stored, but the geography → geometry round trip of
        /// <c>ST_Segmentize</c> writes the points it adds on the −180° edge as +180°: a ring on one side of the
        /// antimeridian gets its ±180° points on that side again (else, in lon/lat, the ring would span the globe).
        /// </summary>
        internal static Geometry OnOneSide(Geometry outline)
        {
            var copy = outline.Copy();
            for (var p = 0; p < copy.NumGeometries; p++)
            {
                if (copy.GetGeometryN(p) is not Polygon polygon)
                {
                    continue;
                }
                foreach (var ring in new[] { polygon.ExteriorRing }.Concat(polygon.InteriorRings))
                {
                    var seq = ring.CoordinateSequence;
                    bool west = false, east = false;
                    for (var i = 0; i < seq.Count; i++)
                    {
                        var x = seq.GetX(i);
                        west |= x < 0 && x > -180;
                        east |= x > 0 && x < 180;
                    }
                    if (west == east)
                    {
                        continue;
                    }
                    for (var i = 0; i < seq.Count; i++)
                    {
                        if (Math.Abs(Math.Abs(seq.GetX(i)) - 180) < 1e-9)
                        {
                            seq.SetX(i, west ? -180 : 180);
                        }
                    }
                }
            }
            copy.GeometryChanged();
            return copy;
        }

        public OriginSnapshot Build()
        {
            _regions.Build();
            _places.Build();
            _extents.Build();
            return new OriginSnapshot(_regions, _places, _extents, _byCode, _regionCount, _placeCount, _areaCount);
        }
    }

    /// <summary>
    /// As <see cref="NearestQueries.OriginAsync"/>: the country (a level-0, two-letter outline covering the point; the
    /// lowest code when several do) and the codes of every covering region and its parent, else — with no covering
    /// region of level ≥ 1 — the region and country of the nearest gazetteer town within 25 km. False where the SQL path
    /// must decide: near an edge, in a country's coastal tolerance without being inside one, a town near the bound or tied.
    /// </summary>
    public bool TryOrigin(double lat, double lng, out string? country, out string[] regionCodes)
    {
        country = null;
        regionCodes = [];
        if (!Usable(lat, lng))
        {
            return false;
        }
        var probe = Square(lat, lng, MarginM);
        var covering = new List<RegionRow>();
        foreach (var region in _regions.Query(probe.EnvelopeInternal))
        {
            if (region.Outline.Covers(probe))
            {
                covering.Add(region);
            }
            else if (region.Outline.Intersects(probe))
            {
                return false; // on an edge
            }
        }
        country = covering.Where(r => r.Level == 0 && r.Code.Length == 2).Select(r => r.Code).Order(StringComparer.Ordinal).FirstOrDefault();
        if (country is null || !covering.Any(r => r.Level == 0))
        {
            // The SQL path then takes the nearest country within the coastal tolerance (and its nearest provinces): only
            // when there is none near does memory know the answer.
            var near = Square(lat, lng, (RegionCodes.CoastalToleranceKm * 1000) + (4 * MarginM));
            if (_regions.Query(near.EnvelopeInternal).Any(r => r.Level == 0 && r.Code.Length == 2 && r.Outline.Intersects(near)))
            {
                country = null;
                return false;
            }
        }
        var codes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var r in covering)
        {
            codes.Add(r.Code);
            if (r.ParentCode is { } parent)
            {
                codes.Add(parent);
            }
        }
        if (!covering.Any(r => r.Level >= 1))
        {
            if (!TryTown(lat, lng, out var town))
            {
                country = null;
                return false;
            }
            if (town is not null)
            {
                codes.Add(town.RegionCode);
                codes.Add(town.Country);
            }
        }
        regionCodes = [.. codes];
        return true;
    }

    // The nearest town with a region code within 25 km (null: none); false when the SQL path could choose otherwise.
    private bool TryTown(double lat, double lng, out PlaceRow? town)
    {
        town = null;
        var box = Square(lat, lng, TownRadiusM + (2 * TownBandM));
        PlaceRow? first = null;
        double firstM = double.MaxValue, secondM = double.MaxValue;
        foreach (var p in _places.Query(box.EnvelopeInternal))
        {
            var m = SphereM(lat, lng, p.Lat, p.Lng);
            if (m < firstM)
            {
                if (first is not null && (first.RegionCode != p.RegionCode || first.Country != p.Country))
                {
                    secondM = firstM;
                }
                first = p;
                firstM = m;
            }
            else if (m < secondM && (first!.RegionCode != p.RegionCode || first.Country != p.Country))
            {
                secondM = m;
            }
        }
        if (first is null || firstM > TownRadiusM + TownBandM)
        {
            return true; // none within 25 km on any measure
        }
        if (firstM > TownRadiusM - TownBandM || secondM - firstM < 1)
        {
            return false; // near the bound, or two towns of different regions as near
        }
        town = first;
        return true;
    }

    /// <summary>
    /// As the area part of <see cref="NearestQueries.RemoteAsync"/>: areas whose outline covers the point or that name one
    /// of <paramref name="regionCodes"/>, each once. False when the point is on an outline's edge.
    /// </summary>
    public bool TryAreasCovering(double lat, double lng, string[] regionCodes, out IReadOnlyList<(Guid ServiceId, RemoteArea Area)> areas)
    {
        areas = [];
        var found = new List<(Guid ServiceId, RemoteArea Area)>();
        var seen = new HashSet<Guid>();
        if (_extents.Count > 0)
        {
            if (!Usable(lat, lng))
            {
                return false;
            }
            var probe = Square(lat, lng, MarginM);
            foreach (var row in _extents.Query(probe.EnvelopeInternal))
            {
                if (row.Extent!.Covers(probe))
                {
                    if (seen.Add(row.Area.Id))
                    {
                        found.Add((row.ServiceId, row.Area));
                    }
                }
                else if (row.Extent.Intersects(probe))
                {
                    return false;
                }
            }
        }
        foreach (var code in regionCodes)
        {
            if (_byCode.TryGetValue(code, out var rows))
            {
                foreach (var row in rows)
                {
                    if (seen.Add(row.Area.Id))
                    {
                        found.Add((row.ServiceId, row.Area));
                    }
                }
            }
        }
        areas = found;
        return true;
    }

    // Squares in degrees around the poles and across the antimeridian are not squares in metres: PostgreSQL decides there.
    private static bool Usable(double lat, double lng) => Math.Abs(lat) <= 80 && Math.Abs(lng) <= 179.5;

    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    /// <summary>A lon/lat box that holds every point within <paramref name="halfM"/> metres of the point (generous by 2 %).</summary>
    private static Polygon Square(double lat, double lng, double halfM)
    {
        var dLat = halfM / 110_574 * 1.02;
        var cos = Math.Cos(Math.Min(89, Math.Abs(lat) + dLat) * Math.PI / 180);
        var dLng = halfM / (111_320 * cos) * 1.02;
        return (Polygon)Factory.ToGeometry(new Envelope(lng - dLng, lng + dLng, lat - dLat, lat + dLat));
    }

    private static double SphereM(double lat1, double lng1, double lat2, double lng2)
    {
        const double rad = Math.PI / 180;
        var sinLat = Math.Sin((lat2 - lat1) * rad / 2);
        var sinLng = Math.Sin((lng2 - lng1) * rad / 2);
        var h = (sinLat * sinLat) + (Math.Cos(lat1 * rad) * Math.Cos(lat2 * rad) * sinLng * sinLng);
        return 2 * SphereRadiusM * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
