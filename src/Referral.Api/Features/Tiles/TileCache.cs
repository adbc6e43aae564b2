using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Referral.Api.Features.Tiles;

/// <summary>The <c>Tiles</c> settings.</summary>
internal sealed class TileSettings
{
    /// <summary>Megabytes of encoded tiles each instance keeps in memory; 0 turns the cache off.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 4096)]
    public int CacheMegabytes { get; set; } = 64;

    /// <summary>
    /// The safety net: a cached tile is dropped after this many seconds even when no change was signalled (a missed
    /// NOTIFY, or a standby that had not replayed a change when the tile was read). The default is the tiles'
    /// <c>Cache-Control</c> max-age, the staleness browsers and proxies already allow.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 86_400)]
    public int CacheSeconds { get; set; } = 60;

    /// <summary>
    /// Services tiles up to this zoom are kept once built in the database (<c>tile_store</c>, migration AddTileStore),
    /// shared by every instance and kept across restarts; -1 stores none. At most
    /// <see cref="TileQueries.ClusterBelowZoom"/> − 1: only the tiles of pre-aggregated cells are stored.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(-1, TileQueries.ClusterBelowZoom - 1)]
    public int StoreMaxZoom { get; set; } = TileQueries.ClusterBelowZoom - 1;
}

/// <summary>An encoded tile (empty: nothing in it) and its strong ETag (null when empty).</summary>
internal sealed record CachedTile(byte[] Bytes, string? ETag)
{
    public static CachedTile Of(byte[] bytes) =>
        new(bytes, bytes.Length == 0 ? null : $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16))}\"");
}

/// <summary>
/// Encoded tiles kept in memory, one cache per instance. Every change to what tiles show (locations, services, their
/// organizations, categories, regions; by the API, an import or plain SQL) fires a statement trigger that sends
/// <c>NOTIFY referral_cache, 'tiles'</c>; <see cref="Data.DbNotifications"/> then calls <see cref="Clear"/> in every
/// instance. A tile read while a change is signalled is not stored (the generation moved on), so a cleared cache is
/// never refilled with what was true before the change. Gap analysis tiles never change (finished results), so they
/// are only dropped with the rest.
/// </summary>
/// <remarks>
/// Builds are single-flight: concurrent requests for a tile that is not cached await one build (per tile and
/// generation: a request made after a change never joins a build that started before it). The build does not run on
/// the request's cancellation: a client that gives up leaves it running, and its tile still lands in the cache for the
/// next request (a capital's low-zoom tile can take longer to build than a client waits).
/// </remarks>
internal sealed class TileCache(IOptions<TileSettings> settings, IHostApplicationLifetime lifetime) : IDisposable
{
    /// <summary>The NOTIFY payload that drops every cached tile.</summary>
    public const string Notification = "tiles";

    /// <summary>A build nobody waits for any more is still given this long to finish.</summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly TileSettings _settings = settings.Value;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, settings.Value.CacheMegabytes) * 1024L * 1024 });
    private readonly ConcurrentDictionary<(string Key, long Generation), Lazy<Task<CachedTile?>>> _building = new();
    private long _generation;
    private long _builds;

    public bool Enabled => _settings.CacheMegabytes > 0;

    /// <summary>How many builds this cache has started (for tests: concurrent misses of one tile start one).</summary>
    public long Builds => Interlocked.Read(ref _builds);

    /// <summary>How many builds are running.</summary>
    public int InFlight => _building.Count;

    /// <summary>Drops every tile (a change was signalled, or the LISTEN connection was lost and regained).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _cache.Clear();
    }

    /// <summary>
    /// The cached tile, or the one <paramref name="make"/> builds (stored unless a change was signalled meanwhile).
    /// <paramref name="make"/> gets the build's own cancellation (application stopping, or <see cref="BuildTimeout"/>),
    /// not the caller's: <paramref name="ct"/> only stops this caller's wait.
    /// </summary>
    public async Task<CachedTile?> GetOrAddAsync(string key, Func<CancellationToken, Task<byte[]?>> make, CancellationToken ct)
    {
        if (Enabled && _cache.TryGetValue(key, out CachedTile? hit) && hit is not null)
        {
            return hit;
        }
        var generation = Interlocked.Read(ref _generation);
        var flight = (key, generation);
        var build = _building.GetOrAdd(flight, f => new Lazy<Task<CachedTile?>>(() => BuildAsync(f, make)));
        return await build.Value.WaitAsync(ct);
    }

    private async Task<CachedTile?> BuildAsync((string Key, long Generation) flight, Func<CancellationToken, Task<byte[]?>> make)
    {
        Interlocked.Increment(ref _builds);
        // Off the caller's synchronous path, so the first caller can stop waiting at once.
        await Task.Yield();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
            timeout.CancelAfter(BuildTimeout);
            if (await make(timeout.Token) is not { } bytes)
            {
                return null;
            }
            var tile = CachedTile.Of(bytes);
            if (Enabled && Interlocked.Read(ref _generation) == flight.Generation)
            {
                _cache.Set(flight.Key, tile, new MemoryCacheEntryOptions
                {
                    Size = bytes.Length + 256,
                    AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(_settings.CacheSeconds),
                });
            }
            return tile;
        }
        finally
        {
            _building.TryRemove(flight, out _);
        }
    }

    public void Dispose() => _cache.Dispose();
}
