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
internal sealed class TileCache(IOptions<TileSettings> settings) : IDisposable
{
    /// <summary>The NOTIFY payload that drops every cached tile.</summary>
    public const string Notification = "tiles";

    private readonly TileSettings _settings = settings.Value;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, settings.Value.CacheMegabytes) * 1024L * 1024 });
    private long _generation;

    public bool Enabled => _settings.CacheMegabytes > 0;

    /// <summary>Drops every tile (a change was signalled, or the LISTEN connection was lost and regained).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _cache.Clear();
    }

    /// <summary>The cached tile, or the one <paramref name="make"/> builds (stored unless a change was signalled meanwhile).</summary>
    public async Task<CachedTile?> GetOrAddAsync(string key, Func<Task<byte[]?>> make)
    {
        if (Enabled && _cache.TryGetValue(key, out CachedTile? hit) && hit is not null)
        {
            return hit;
        }
        var generation = Interlocked.Read(ref _generation);
        if (await make() is not { } bytes)
        {
            return null;
        }
        var tile = CachedTile.Of(bytes);
        if (Enabled && Interlocked.Read(ref _generation) == generation)
        {
            _cache.Set(key, tile, new MemoryCacheEntryOptions
            {
                Size = bytes.Length + 256,
                AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(_settings.CacheSeconds),
            });
        }
        return tile;
    }

    public void Dispose() => _cache.Dispose();
}
