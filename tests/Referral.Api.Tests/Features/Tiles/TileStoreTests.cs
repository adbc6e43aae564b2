using Npgsql;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Tiles.TileTests;

namespace Referral.Api.Tests.Features.Tiles;

/// <summary>
/// Services tiles below zoom 13 are stored once built (tile_store, migration AddTileStore) for every instance and across
/// restarts: a stored tile is what the next request gets, a write drops exactly the stored tiles of the cells it changed
/// (the next tile shows it, and so does a neighbour whose ring holds the cell), a rolled-back write drops nothing, a
/// TRUNCATE or a bulk import (a full recount) drops every tile whose cells it changed; an empty tile is never stored, so
/// requests for empty places write no row.
/// </summary>
public sealed class TileStoreTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static readonly (int X, int Y) SanJose = TileOf(10, 9.9333, -84.0833);
    private static readonly (int X, int Y) Limon = TileOf(10, 9.99, -83.03);

    private static string Url((int X, int Y) tile) => $"/tiles/services/10/{tile.X}/{tile.Y}.mvt";

    private async Task<T?> ScalarAsync<T>(string sql, (int X, int Y)? tile = null)
    {
        await using var conn = await Factory.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        if (tile is { } t)
        {
            cmd.Parameters.AddWithValue("x", t.X);
            cmd.Parameters.AddWithValue("y", t.Y);
        }
        return await cmd.ExecuteScalarAsync() is T value ? value : default;
    }

    /// <summary>The stored z10 tile's bytes and when it was built (null: none stored).</summary>
    private async Task<(byte[] Bytes, DateTime BuiltAt)?> StoredAsync((int X, int Y) tile)
    {
        var bytes = await ScalarAsync<byte[]>("SELECT bytes FROM tile_store WHERE tile_set = 'services' AND z = 10 AND x = @x AND y = @y", tile);
        return bytes is null ? null
            : (bytes, await ScalarAsync<DateTime>("SELECT built_at FROM tile_store WHERE tile_set = 'services' AND z = 10 AND x = @x AND y = @y", tile));
    }

    private async Task SqlAsync(string sql) => await ScalarAsync<object>(sql);

    [Fact]
    public async Task AStoredTile_IsWhatTheNextRequestGets_AndAWriteDropsOnlyTheTilesOfItsCells()
    {
        await CreateSevenSitesAsync(Client);
        var sanJose = await Public.GetByteArrayAsync(Url(SanJose));
        var limon = await Public.GetByteArrayAsync(Url(Limon));
        Assert.Equal(sanJose, (await StoredAsync(SanJose))?.Bytes);
        Assert.Equal(limon, (await StoredAsync(Limon))?.Bytes);
        var limonBuilt = (await StoredAsync(Limon))!.Value.BuiltAt;

        // The request reads the store, not the cells: a stored tile changed by hand is what it gets.
        await SqlAsync($"UPDATE tile_store SET bytes = (SELECT bytes FROM tile_store WHERE z = 10 AND x = {Limon.X} AND y = {Limon.Y}) WHERE z = 10 AND x = {SanJose.X} AND y = {SanJose.Y}");
        Assert.Equal(limon, await Public.GetByteArrayAsync(Url(SanJose)));

        // A service added in San José (through the API): its tile is built again and shows it; Limón's is left stored.
        var org = await ScalarAsync<Guid>("SELECT id FROM organization WHERE name = 'Org'");
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "New", 9.9200, -84.0600, "police"));
        var rebuilt = await Public.GetByteArrayAsync(Url(SanJose));
        var layer = Assert.Single(Decode(rebuilt, 10, SanJose.X, SanJose.Y));
        Assert.Equal(Assert.Single(Decode(sanJose, 10, SanJose.X, SanJose.Y)).Features.Count + 1, layer.Features.Count);
        Assert.Equal(rebuilt, (await StoredAsync(SanJose))?.Bytes);
        Assert.Equal(limonBuilt, (await StoredAsync(Limon))!.Value.BuiltAt);
        Assert.Equal(limon, await Public.GetByteArrayAsync(Url(Limon)));
    }

    [Fact]
    public async Task AnEmptyTile_IsNotStored_SoAskingForEmptyPlacesWritesNothing()
    {
        await CreateSevenSitesAsync(Client);
        Assert.NotEmpty(await Public.GetByteArrayAsync(Url(SanJose)));

        // A crawler without a key walking z/x/y below zoom 13 over places with no service: the South Pacific and Siberia.
        foreach (var (lat, lon) in new[] { (-40.0, -150.0), (70.0, 100.0) })
        {
            for (var z = 2; z <= 12; z++)
            {
                var (x, y) = TileOf(z, lat, lon);
                var answer = await Public.GetAsync($"/tiles/services/{z}/{x}/{y}.mvt");
                Assert.Equal(System.Net.HttpStatusCode.NoContent, answer.StatusCode);
            }
        }

        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM tile_store"));
        Assert.NotNull(await StoredAsync(SanJose));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => SqlAsync("INSERT INTO tile_store (tile_set, z, x, y, bytes) VALUES ('services', 3, 0, 0, '')"));
        Assert.Equal("ck_tile_store_not_empty", refused.ConstraintName);
    }

    [Fact]
    public async Task ACellOnATilesEdge_DropsTheNeighbourWhoseRingHoldsIt()
    {
        await CreateSevenSitesAsync(Client);
        // The z10 tile east of San José's reads San José's easternmost column of cells as its ring; one service in its
        // middle, so it is stored.
        var east = (SanJose.X + 1, SanJose.Y);
        var n = 1 << 10;
        var org = await ScalarAsync<Guid>("SELECT id FROM organization WHERE name = 'Org'");
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "East", 9.9333, ((SanJose.X + 1.5) / n * 360) - 180, "police"));
        Assert.Single(Assert.Single(Decode(await Public.GetByteArrayAsync(Url(east)), 10, east.Item1, east.Y)).Features);
        Assert.NotNull(await StoredAsync(east));

        // A service in the last column of cells of San José's tile (1/64 of the tile from its eastern edge).
        var edgeLng = ((SanJose.X + 1 - (0.5 / 64)) / n * 360) - 180;
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Edge", 9.9333, edgeLng, "police"));

        var response = await Public.GetAsync(Url(east));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, Assert.Single(Decode(await response.Content.ReadAsByteArrayAsync(), 10, east.Item1, east.Y)).Features.Count);
    }

    [Fact]
    public async Task ARolledBackWrite_LeavesTheStoredTileAsItWas()
    {
        await CreateSevenSitesAsync(Client);
        var before = await Public.GetByteArrayAsync(Url(SanJose));
        var stored = await StoredAsync(SanJose);
        Assert.NotNull(stored);

        await using (var conn = await Factory.OpenAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await using var cmd = new NpgsqlCommand("UPDATE location SET point = ST_SetSRID(ST_MakePoint(-84.0500, 9.9700), 4326)::geography ", conn, tx);
            Assert.True(await cmd.ExecuteNonQueryAsync() > 0);
            await tx.RollbackAsync();
        }

        Assert.Equal(before, await Public.GetByteArrayAsync(Url(SanJose)));
        var after = await StoredAsync(SanJose);
        Assert.Equal(stored.Value.Bytes, after?.Bytes);
        Assert.Equal(stored.Value.BuiltAt, after?.BuiltAt);
    }

    [Theory]
    [InlineData("TRUNCATE service_at_location CASCADE")]
    [InlineData("INSERT INTO tile_cell_dirty VALUES (-1)")] // what a bulk import's commit marks
    public async Task ATruncateOrABulkImport_DropsTheStoredTiles(string sql)
    {
        await CreateSevenSitesAsync(Client);
        await Public.GetByteArrayAsync(Url(SanJose));
        await Public.GetByteArrayAsync(Url(Limon));
        Assert.Equal(2L, await ScalarAsync<long>("SELECT count(*) FROM tile_store"));

        await SqlAsync(sql);
        var after = await Public.GetAsync(Url(SanJose));

        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM tile_store WHERE NOT (z = 10 AND x = @x AND y = @y)", SanJose));
        if (sql.StartsWith("TRUNCATE", StringComparison.Ordinal))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, after.StatusCode);
        }
        else
        {
            Assert.Equal(await StoredAsync(SanJose) is { } s ? s.Bytes : null, await after.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task WithTheStoreOff_NothingIsStored()
    {
        using var off = new ReferralApiFactory { Settings = { ["Tiles:StoreMaxZoom"] = "-1" } };
        await ((IAsyncLifetime)off).InitializeAsync();
        try
        {
            await TestData.EnsureCategoriesAsync(off);
            using var admin = off.CreateClient(off.AdminKey);
            await CreateSevenSitesAsync(admin);
            using var client = off.CreateClient();
            Assert.NotEmpty(await client.GetByteArrayAsync(Url(SanJose)));
            await using var conn = await off.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM tile_store", conn);
            Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
        }
        finally
        {
            await ((IAsyncLifetime)off).DisposeAsync();
        }
    }
}
