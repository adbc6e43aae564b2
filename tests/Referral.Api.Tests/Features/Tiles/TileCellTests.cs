using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.Features.Tiles;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Tiles.TileTests;

namespace Referral.Api.Tests.Features.Tiles;

/// <summary>
/// The services tiles below zoom 13 read pre-aggregated cells (tile_cell, migration AddTileCells): each tile must be the
/// aggregation of the public points computed here from the database rows, before and after writes of every kind; and
/// tile builds are single-flight and outlive a client that gives up.
/// </summary>
public sealed class TileCellTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    /// <summary>The nested grid cell of a longitude/latitude at zoom z: 1/64 of a tile, x from the west, y from the north.</summary>
    private static (long X, long Y) CellOf(int z, double lng, double lat)
    {
        var n = (double)(1L << (z + 6));
        var r = lat * Math.PI / 180;
        return ((long)Math.Floor((lng + 180) / 360 * n), (long)Math.Floor((1 - (Math.Log(Math.Tan((Math.PI / 4) + (r / 2))) / Math.PI)) / 2 * n));
    }

    private static long Count(NetTopologySuite.Features.IFeature f) => Convert.ToInt64(f.Attributes["point_count"], CultureInfo.InvariantCulture);

    /// <summary>What the tile must hold, from the rows: per cell of the tile and the ring around it, the public points' count and the lone one's id.</summary>
    private async Task<Dictionary<(long, long), (long Count, string? Id)>> ExpectedAsync(int z, int x, int y)
    {
        var rows = await Factory.WithDbAsync(db => db.ServiceAtLocations
            .Where(s => s.Location!.PublicPoint != null)
            .Select(s => new { s.Id, s.Location!.PublicPoint }).ToListAsync());
        return rows
            .Select(r => (r.Id, Cell: CellOf(z, r.PublicPoint!.X, r.PublicPoint.Y)))
            .Where(r => r.Cell.X >= (64L * x) - 1 && r.Cell.X <= (64L * x) + 64 && r.Cell.Y >= (64L * y) - 1 && r.Cell.Y <= (64L * y) + 64)
            .GroupBy(r => r.Cell)
            .ToDictionary(g => g.Key, g => ((long)g.Count(), g.Count() == 1 ? g.Single().Id.ToString() : null));
    }

    /// <summary>What the tile holds: per feature its cell (from its centre), count and id (a lone cell's only).</summary>
    private static async Task<Dictionary<(long, long), (long Count, string? Id)>> ActualAsync(HttpClient client, int z, int x, int y)
    {
        var response = await client.GetAsync($"/tiles/services/{z}/{x}/{y}.mvt");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (bytes.Length == 0)
        {
            return [];
        }
        var layer = Assert.Single(Decode(bytes, z, x, y));
        return layer.Features.ToDictionary(
            f => CellOf(z, f.Geometry.Coordinate.X, f.Geometry.Coordinate.Y),
            f => (Count(f), f.Attributes.Exists("id") ? (string?)f.Attributes["id"] : null));
    }

    private async Task SqlAsync(string sql)
    {
        await using var conn = await Factory.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<Guid> SalIdAsync(string serviceName) =>
        await Factory.WithDbAsync(db => db.ServiceAtLocations.Where(s => s.Service!.Name == serviceName).Select(s => s.Id).SingleAsync());

    private async Task AssertTilesAsync(params (int Z, double Lat, double Lng)[] tiles)
    {
        foreach (var (z, lat, lng) in tiles)
        {
            var (x, y) = TileOf(z, lat, lng);
            var expected = await ExpectedAsync(z, x, y);
            var actual = await ActualAsync(Public, z, x, y);
            Assert.Equal(expected.OrderBy(e => e.Key).ToList(), actual.OrderBy(e => e.Key).ToList());
        }
    }

    [Fact]
    public async Task PreAggregatedTiles_AreTheAggregationOfThePublicPoints_AndEveryKindOfWriteChangesTheNextTile()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        // Two in one cell (a hidden one among them), a lone one, an approximate one (at its generalised point), a hidden
        // one alone, and services in Limón (another z10 tile).
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Police", 9.93330, -84.08330, "police"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Clinic", 9.93335, -84.08335, "health"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Hidden among them", 9.93332, -84.08332, "shelter", "hidden"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Lone", 9.9400, -84.0700, "health"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Approximate", 9.9500, -84.1000, "shelter", "approximate"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Hidden alone", 9.9100, -84.1100, "shelter", "hidden"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Limón", 9.9900, -83.0300, "police"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Limón 2", 9.9901, -83.0301, "health"));
        (int, double, double)[] tiles = [(12, 9.9333, -84.0833), (10, 9.9333, -84.0833), (8, 9.9333, -84.0833), (10, 9.99, -83.03), (3, 9.9, -84.0)];
        await AssertTilesAsync(tiles);
        var (x10, y10) = TileOf(10, 9.9333, -84.0833);
        var before = await ActualAsync(Public, 10, x10, y10);
        Assert.Contains(before.Values, v => v.Count == 2);

        // A location moved to another cell (plain SQL: the triggers mark cells however a write is made).
        await SqlAsync($"UPDATE location SET point = ST_SetSRID(ST_MakePoint(-84.0500, 9.9700), 4326)::geography WHERE id = (SELECT location_id FROM service_at_location WHERE id = '{await SalIdAsync("Police")}')");
        await AssertTilesAsync(tiles);
        var after = await ActualAsync(Public, 10, x10, y10);
        Assert.DoesNotContain(after.Values, v => v.Count == 2); // Clinic is now alone in its cell

        // A public place hidden, an approximate one made public, a service at location deleted, one moved to another
        // location (Limón to San José), a new service through the API.
        await SqlAsync($"UPDATE location SET visibility = 'hidden' WHERE id = (SELECT location_id FROM service_at_location WHERE id = '{await SalIdAsync("Lone")}')");
        await SqlAsync($"UPDATE location SET visibility = 'public' WHERE id = (SELECT location_id FROM service_at_location WHERE id = '{await SalIdAsync("Approximate")}')");
        await SqlAsync($"DELETE FROM service_at_location WHERE id = '{await SalIdAsync("Limón")}'");
        await AssertTilesAsync(tiles);
        await SqlAsync($"UPDATE service_at_location SET location_id = (SELECT location_id FROM service_at_location WHERE id = '{await SalIdAsync("Clinic")}') WHERE id = '{await SalIdAsync("Limón 2")}'");
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "New", 9.93336, -84.08336, "police"));
        await AssertTilesAsync(tiles);
        var (xl, yl) = TileOf(10, 9.99, -83.03);
        Assert.Empty(await ActualAsync(Public, 10, xl, yl));

        // The cells counted write by write are those a full recount (what a bulk import or a TRUNCATE asks for) makes.
        const string Snapshot = "SELECT string_agg(format('%s/%s/%s:%s:%s', z, cx, cy, point_count, service_at_location_id), ' ' ORDER BY z, cx, cy) AS \"Value\" FROM tile_cell";
        await SqlAsync("SELECT tile_cells_refresh()");
        var incremental = await Factory.WithDbAsync(db => db.Database.SqlQueryRaw<string>(Snapshot).SingleAsync());
        await SqlAsync("INSERT INTO tile_cell_dirty VALUES (-1); SELECT tile_cells_refresh()");
        var full = await Factory.WithDbAsync(db => db.Database.SqlQueryRaw<string>(Snapshot).SingleAsync());
        Assert.Equal(full, incremental);
        Assert.Contains("12/", full);
    }

    /// <summary>A factory with the tile cache on, the tile build held back by the refresh's advisory lock while a test connection holds it.</summary>
    private static async Task<T> WithHeldBuildAsync<T>(Func<ReferralApiFactory, TileCache, Func<Task>, Task<T>> body)
    {
        using var factory = new ReferralApiFactory { Settings = { ["Tiles:CacheMegabytes"] = "16" } };
        await ((IAsyncLifetime)factory).InitializeAsync();
        try
        {
            await TestData.EnsureCategoriesAsync(factory);
            using var admin = factory.CreateClient(factory.AdminKey);
            var org = await TestData.CreateOrganizationAsync(admin, "Org");
            await TestData.CreateServiceAsync(admin, TestData.Service(org, "Police", 9.9333, -84.0833, "police"));
            // The next tile build recounts cells and so waits for this transaction's lock (tile_cells_refresh()).
            await using var holder = await factory.OpenAsync();
            await using var tx = await holder.BeginTransactionAsync();
            await using (var other = await factory.OpenAsync())
            await using (var cmd = new Npgsql.NpgsqlCommand("INSERT INTO tile_cell_dirty VALUES (-1)", other))
            {
                await cmd.ExecuteNonQueryAsync(); // committed: the build sees a mark and goes for the lock
            }
            await using (var cmd = new Npgsql.NpgsqlCommand("SELECT pg_advisory_xact_lock(1414087756)", holder))
            {
                await cmd.ExecuteNonQueryAsync();
            }
            var released = false;
            async Task Release()
            {
                if (!released)
                {
                    released = true;
                    await tx.CommitAsync();
                }
            }
            try
            {
                return await body(factory, factory.Services.GetRequiredService<TileCache>(), Release);
            }
            finally
            {
                await Release();
            }
        }
        finally
        {
            await ((IAsyncLifetime)factory).DisposeAsync();
        }
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(100);
        }
        Assert.True(condition());
    }

    [Fact]
    public async Task ConcurrentRequestsForAMissingTile_AwaitOneBuild()
    {
        await WithHeldBuildAsync(async (factory, cache, release) =>
        {
            var (x, y) = TileOf(10, 9.9333, -84.0833);
            var clients = Enumerable.Range(0, 8).Select(_ => factory.CreateClient()).ToList();
            var builds = cache.Builds;
            var requests = clients.Select(c => c.GetByteArrayAsync($"/tiles/services/10/{x}/{y}.mvt")).ToList();
            await UntilAsync(() => cache.Builds > builds);
            await Task.Delay(500); // time for the other seven to arrive (and, without single flight, to start their own builds)
            Assert.All(requests, r => Assert.False(r.IsCompleted));
            await release();
            var tiles = await Task.WhenAll(requests);

            Assert.Equal(builds + 1, cache.Builds);
            Assert.All(tiles, t => Assert.Equal(tiles[0], t));
            Assert.Equal(1L, Count(Assert.Single(Assert.Single(Decode(tiles[0], 10, x, y)).Features)));
            clients.ForEach(c => c.Dispose());
            return 0;
        });
    }

    [Fact]
    public async Task ATileBuildAbandonedByItsClient_StillFillsTheCache()
    {
        await WithHeldBuildAsync(async (factory, cache, release) =>
        {
            var (x, y) = TileOf(10, 9.9333, -84.0833);
            var url = $"/tiles/services/10/{x}/{y}.mvt";
            using var impatient = factory.CreateClient();
            using var gaveUp = new CancellationTokenSource();
            var builds = cache.Builds;
            var first = impatient.GetAsync(url, gaveUp.Token);
            await UntilAsync(() => cache.Builds > builds);
            await gaveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
            await release();
            await UntilAsync(() => cache.InFlight == 0);

            using var next = factory.CreateClient();
            var tile = await next.GetByteArrayAsync(url);
            Assert.Equal(builds + 1, cache.Builds); // served from the cache: the abandoned build was kept
            Assert.Equal(1L, Count(Assert.Single(Assert.Single(Decode(tile, 10, x, y)).Features)));
            return 0;
        });
    }
}
