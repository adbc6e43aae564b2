using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Referral.Api.Data;
using Referral.Api.Features.Access;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.Ogc;

namespace Referral.Api.Features.Tiles;

/// <summary>A tile address in the Web Mercator quad tree (z/x/y, y from the north, as XYZ / Google tiles).</summary>
internal readonly record struct TileAddress(int Z, int X, int Y)
{
    public const int MaxZoom = 22;

    /// <summary>The tile's longitude/latitude bounds.</summary>
    public OgcBox Bounds
    {
        get
        {
            var n = Math.Pow(2, Z);
            static double Lat(double y, double n) => Math.Atan(Math.Sinh(Math.PI * (1 - (2 * y / n)))) * 180 / Math.PI;
            return new OgcBox((X / n * 360) - 180, Lat(Y + 1, n), ((X + 1) / n * 360) - 180, Lat(Y, n));
        }
    }
}

/// <summary>
/// Mapbox vector tiles built by PostGIS (<c>ST_TileEnvelope</c>, <c>ST_AsMVTGeom</c>, <c>ST_AsMVT</c>), one layer per tile set.
/// Tiles are the public view for every caller (so shared caches may keep them): services at <c>location.public_point</c>,
/// hidden ones never, no address or location name. Gap analysis tiles carry the figures of the GeoJSON exports
/// (written by <see cref="GapExports"/>, then encoded by PostGIS).
/// </summary>
internal sealed class TileQueries(ReferralDbContext db, GapQueries gaps, GapExports gapExports, TileCache cache,
    IServiceScopeFactory scopes, DbRoute route, DatabaseTopology topology, IOptions<TileSettings> settings)
{
    /// <summary>Extent and buffer of ST_AsMVT (the defaults of most clients).</summary>
    public const int Extent = 4096;

    public const int Buffer = 64;

    /// <summary>A gap analysis tile holds at most this many features (zoom in for the rest).</summary>
    public const int MaxGapFeatures = 50_000;

    /// <summary>Below this zoom, services in the same cell of <see cref="ClusterGrid"/> tile units share one feature.</summary>
    public const int ClusterBelowZoom = 13;

    /// <summary>64 of 4096 units: 64 × 64 cells a tile (4 pixels of a 256-pixel tile; about 600 m at z10, 75 m at z12).</summary>
    public const int ClusterGrid = 64;

    /// <summary>
    /// A tile from zoom <see cref="ClusterBelowZoom"/>: every public point its own feature. A file, so bench/ogc/run.sh
    /// times this very statement for context (the naive z10 tile).
    /// </summary>
    internal static readonly string ServicesPointsSql = ReadResource("services-points.sql");

    // A z10 tile of a capital can hold hundreds of thousands of services: one feature per grid cell with point_count keeps
    // it small, and the cells are pre-aggregated (tile_cell, migration AddTileCells), so a tile reads at most 66 × 66 rows
    // however many points it covers. Cells nest (1/64 of a tile at every zoom, aligned with the tiles) and are counted
    // from the public points alone; tile_cells_refresh() recounts the cells writes marked before the tile is read.
    // Only a cell holding one service carries that service's attributes (a cluster its count only: zoom in, or ask the
    // OGC items of its box), kept on the cell's row by tile_cells_refresh() (migration AddTileCellAttributes): joined at
    // tile time they were most of a z10 tile's cost at 1M services. The SQL is a file that bench/ogc/run.sh times as
    // the bare query.
    internal static readonly string ServicesCellsSql = ReadResource("services-cells.sql");

    private const string RefreshCellsSql = "SELECT tile_cells_refresh()";

    // A stored services tile (migration AddTileStore): what the last build of it stored, unless a refresh that changed
    // one of its cells dropped it since. Sent after tile_cells_refresh() in one batch (one round trip; the batch is one
    // transaction, and this statement sees what the refresh did), so never older than the last committed write.
    private const string StoredSql = "SELECT bytes FROM tile_store WHERE tile_set = $1 AND z = $2 AND x = $3 AND y = $4";

    // The build of services-cells.sql, stored in the same statement. It runs in a transaction holding the refresh's
    // advisory lock shared (taken before this statement reads the cells): a refresh either committed before (the tile
    // shows it) or waits for this commit and then drops the tile if it changes one of its cells. An empty tile is not
    // stored: building it again is one index probe that finds no cell, and storing it would let anyone write a row for
    // every z/x/y below zoom 13 (22 million) by asking for them; so the store holds only tiles with services in them.
    private static readonly string BuildAndStoreSql = $"""
        WITH tile(bytes) AS MATERIALIZED (
        {ServicesCellsSql}
        ), stored AS (
            INSERT INTO tile_store (tile_set, z, x, y, bytes) SELECT @set, @z, @x, @y, bytes FROM tile WHERE length(bytes) > 0
            ON CONFLICT (tile_set, z, x, y) DO NOTHING)
        SELECT coalesce(bytes, '') FROM tile
        """;

    /// <summary>The advisory lock <c>tile_cells_refresh()</c> holds exclusively while it recounts cells (migration AddTileCells).</summary>
    private const long RefreshLock = 1414087756;

    // Outlines are clipped to the tile (with its margin) in longitude/latitude first: smaller, and never near a pole,
    // where Web Mercator is undefined.
    private const string RegionsSql = """
        WITH env AS (SELECT ST_TileEnvelope(@z, @x, @y) AS m, ST_Transform(ST_TileEnvelope(@z, @x, @y, margin => @margin), 4326) AS box),
        rows AS (
            SELECT ST_AsMVTGeom(ST_Transform(ST_ClipByBox2D(r.geometry::geometry, env.box), 3857), env.m, @extent, @buffer, true) AS geom,
                   r.code, r.name, r.level, r.parent_code, r.population, r.area_class
            FROM env, region r
            WHERE r.geometry IS NOT NULL AND r.geometry::geometry && env.box
        )
        SELECT ST_AsMVT(rows, 'regions', @extent, 'geom') FROM rows WHERE geom IS NOT NULL
        """;

    // Features written by GapExports (GeoJSON) are encoded here; jsonb properties become MVT attributes.
    private const string FeaturesSql = """
        WITH env AS (SELECT ST_TileEnvelope(@z, @x, @y) AS m, ST_Transform(ST_TileEnvelope(@z, @x, @y, margin => @margin), 4326) AS box),
        rows AS (
            SELECT ST_AsMVTGeom(ST_Transform(ST_ClipByBox2D(ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326), env.box), 3857),
                                env.m, @extent, @buffer, true) AS geom,
                   f ->> 'id' AS id, f -> 'properties' AS properties
            FROM env, jsonb_array_elements(@features) AS f
            WHERE jsonb_typeof(f -> 'geometry') = 'object'
        )
        SELECT ST_AsMVT(rows, @layer, @extent, 'geom') FROM rows WHERE geom IS NOT NULL
        """;

    /// <summary>
    /// The tile (empty bytes when nothing is in it) with its ETag, from this instance's <see cref="TileCache"/> when it
    /// holds it; null when the tile set does not exist.
    /// </summary>
    /// <remarks>
    /// With the cache on, the build runs once for concurrent requests of the tile, in its own scope (its own context and
    /// connection: the primary) and on its own cancellation, so a client that disconnects does not throw the work away.
    /// With the cache off every request builds the tile in its own scope.
    /// </remarks>
    public async Task<CachedTile?> TileAsync(TileSet set, TileAddress tile, CancellationToken ct)
    {
        if (!cache.Enabled)
        {
            return await BuildAsync(set, tile, ct) is { } bytes ? CachedTile.Of(bytes) : null;
        }
        return await cache.GetOrAddAsync($"{set.Id}/{tile.Z}/{tile.X}/{tile.Y}", async buildCt =>
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<ActorContext>().Set(Actor.Anonymous);
            return await scope.ServiceProvider.GetRequiredService<TileQueries>().BuildAsync(set, tile, buildCt);
        }, ct);
    }

    /// <summary>The tile's bytes from the database, uncached.</summary>
    internal async Task<byte[]?> BuildAsync(TileSet set, TileAddress tile, CancellationToken ct)
    {
        switch (set.Kind)
        {
            case OgcKind.Services:
                if (tile.Z >= ClusterBelowZoom)
                {
                    return await RunAsync(ServicesPointsSql, tile, null, ct);
                }
                if (tile.Z <= settings.Value.StoreMaxZoom)
                {
                    return await StoredServicesTileAsync(set, tile, ct);
                }
                await RefreshCellsAsync(ct);
                return await RunAsync(ServicesCellsSql, tile, null, ct);
            case OgcKind.Regions:
                return await RunAsync(RegionsSql, tile, null, ct);
            default:
                return await GapTileAsync(set, tile, ct);
        }
    }

    private async Task<byte[]?> GapTileAsync(TileSet set, TileAddress tile, CancellationToken ct)
    {
        var analysis = await gaps.FindAsync(set.SourceId!.Value, withResults: true, ct);
        if (analysis?.Results is null)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var filter = new GapFeatureFilter(Margin(tile), 0, MaxGapFeatures, null);
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            if (set.Kind == OgcKind.GapSettlements)
            {
                await gapExports.WritePointFeaturesAsync(analysis, filter, json, () => Task.CompletedTask, ct);
            }
            else
            {
                await gapExports.WriteRegionFeaturesAsync(analysis, filter, json, () => Task.CompletedTask, ct);
            }
            json.WriteEndArray();
        }
        return await RunAsync(FeaturesSql, tile, (set.Id, buffer.ToArray()), ct);
    }

    /// <summary>The tile's bounds widened by the buffer, as the SQL's <c>margin</c> widens the envelope.</summary>
    private static OgcBox Margin(TileAddress tile)
    {
        var b = tile.Bounds;
        var dx = (b.MaxLongitude - b.MinLongitude) * Buffer / Extent;
        var dy = (b.MaxLatitude - b.MinLatitude) * Buffer / Extent;
        return new OgcBox(Math.Max(-180, b.MinLongitude - dx), Math.Max(-90, b.MinLatitude - dy), Math.Min(180, b.MaxLongitude + dx), Math.Min(90, b.MaxLatitude + dy));
    }

    /// <summary>
    /// Recounts the grid cells that writes marked (<c>tile_cells_refresh()</c>: nothing to do is one look at an empty
    /// table). It writes, so it runs on the primary, also when this scope reads from a standby.
    /// </summary>
    internal Task RefreshCellsAsync(CancellationToken ct) => OnPrimaryAsync(async connection =>
    {
        // A bulk import's marks mean counting every point again (seconds at 1M): no command timeout.
        await using var cmd = new NpgsqlCommand(RefreshCellsSql, connection) { CommandTimeout = 0 };
        return await cmd.ExecuteNonQueryAsync(ct);
    }, ct);

    /// <summary>
    /// A services tile below zoom 13 from <c>tile_store</c> (after the refresh, so a committed write is in it), or built
    /// and stored there for every instance. On the primary: it writes, and a standby may not have replayed a drop yet.
    /// </summary>
    private Task<byte[]> StoredServicesTileAsync(TileSet set, TileAddress tile, CancellationToken ct) => OnPrimaryAsync(async connection =>
    {
        await using (var read = new NpgsqlBatch(connection) { Timeout = 0 })
        {
            read.BatchCommands.Add(new NpgsqlBatchCommand(RefreshCellsSql));
            read.BatchCommands.Add(new NpgsqlBatchCommand(StoredSql)
            {
                Parameters =
                {
                    new NpgsqlParameter<string> { TypedValue = set.Id },
                    new NpgsqlParameter<int> { TypedValue = tile.Z },
                    new NpgsqlParameter<int> { TypedValue = tile.X },
                    new NpgsqlParameter<int> { TypedValue = tile.Y },
                },
            });
            await read.PrepareAsync(ct);
            await using var stored = await read.ExecuteReaderAsync(ct);
            await stored.NextResultAsync(ct);
            if (await stored.ReadAsync(ct))
            {
                return stored.GetFieldValue<byte[]>(0);
            }
        }
        // One round trip, one (implicit) transaction: the lock, then the build that reads the cells and stores the tile.
        await using var build = new NpgsqlBatch(connection);
        build.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock_shared(@key)") { Parameters = { new NpgsqlParameter<long>("key", RefreshLock) } });
        var store = new NpgsqlBatchCommand(BuildAndStoreSql);
        AddParameters(store.Parameters, tile, cells: true);
        store.Parameters.Add(new NpgsqlParameter<string>("set", set.Id));
        build.BatchCommands.Add(store);
        await build.PrepareAsync(ct);
        await using var reader = await build.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        return await reader.ReadAsync(ct) ? reader.GetFieldValue<byte[]>(0) : [];
    }, ct);

    /// <summary>Runs <paramref name="work"/> on an open connection to the primary: this scope's when it reads from the primary.</summary>
    private async Task<T> OnPrimaryAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken ct)
    {
        if (route.UseReplica)
        {
            await using var primary = new NpgsqlConnection(topology.Primary);
            await primary.OpenAsync(ct);
            return await work(primary);
        }
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await work(connection);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(TileQueries).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The tile's parameters; <paramref name="cells"/>: those of services-cells.sql, which reads no envelope.</summary>
    private static void AddParameters(NpgsqlParameterCollection parameters, TileAddress tile, bool cells)
    {
        parameters.Add(new NpgsqlParameter<int>("z", tile.Z));
        parameters.Add(new NpgsqlParameter<int>("x", tile.X));
        parameters.Add(new NpgsqlParameter<int>("y", tile.Y));
        if (cells)
        {
            parameters.Add(new NpgsqlParameter<int>("extent", Extent));
            parameters.Add(new NpgsqlParameter<int>("cells", Extent / ClusterGrid));
            parameters.Add(new NpgsqlParameter<double>("grid", ClusterGrid));
            return;
        }
        parameters.Add(new NpgsqlParameter<double>("margin", (double)Buffer / Extent));
        parameters.Add(new NpgsqlParameter<int>("extent", Extent));
        parameters.Add(new NpgsqlParameter<int>("buffer", Buffer));
    }

    private async Task<byte[]> RunAsync(string sql, TileAddress tile, (string Layer, byte[] Features)? features, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand(sql, connection);
            AddParameters(cmd.Parameters, tile, cells: ReferenceEquals(sql, ServicesCellsSql));
            if (features is { } f)
            {
                cmd.Parameters.Add(new NpgsqlParameter<string>("layer", f.Layer));
                cmd.Parameters.Add(new NpgsqlParameter("features", NpgsqlDbType.Jsonb) { Value = System.Text.Encoding.UTF8.GetString(f.Features) });
            }
            // Prepared once per pooled connection (Npgsql keeps it): a tile request then skips parsing and planning.
            await cmd.PrepareAsync(ct);
            return await cmd.ExecuteScalarAsync(ct) as byte[] ?? [];
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

/// <summary>A tile set: the OGC collection it shows (the same id, so a layer has one name everywhere).</summary>
internal sealed record TileSet(string Id, OgcKind Kind, string Title, Guid? SourceId, IReadOnlyDictionary<string, string> Fields);
