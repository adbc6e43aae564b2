using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Referral.Api.Data.Seeding;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Data;

/// <summary>The one place tests use the demo seed: it must load, be marked demo, and be idempotent.</summary>
public sealed class SeedTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // Start from an empty database: the seed brings its own taxonomy.
    public override Task InitializeAsync() => Factory.ResetDatabaseAsync();

    private async Task SeedAsync()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SeedLoader>().RunAsync(CancellationToken.None);
    }

    private async Task<string> FingerprintAsync()
    {
        await using var conn = await Factory.OpenAsync();
        await using var tables = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' " +
            "AND table_name NOT IN ('spatial_ref_sys', '__EFMigrationsHistory') ORDER BY table_name", conn);
        var names = new List<string>();
        await using (var reader = await tables.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }
        var parts = new List<string>();
        foreach (var name in names)
        {
            // Table names come from the catalogue, not from input.
            await using var cmd = new NpgsqlCommand($"SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM \"{name}\"", conn);
            parts.Add($"{name}={await cmd.ExecuteScalarAsync()}");
        }
        return string.Join(", ", parts);
    }

    [Fact]
    public async Task Seed_Twice_ChangesNothingTheSecondTime()
    {
        await SeedAsync();
        var first = await FingerprintAsync();

        await SeedAsync();
        var second = await FingerprintAsync();

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Seed_LoadsDemoDirectoryGazetteerAndRegions()
    {
        await SeedAsync();

        await Factory.WithDbAsync(async db =>
        {
            var services = await db.Services.AsNoTracking().ToListAsync();
            Assert.True(services.Count >= 150, $"only {services.Count} demo services");
            Assert.All(services, s => Assert.True(s.IsDemo && s.Name.StartsWith("[DEMO]", StringComparison.Ordinal), s.Name));
            Assert.All(await db.Organizations.AsNoTracking().ToListAsync(), o => Assert.True(o.IsDemo && o.Name.StartsWith("[DEMO]", StringComparison.Ordinal), o.Name));
            Assert.All(await db.Phones.AsNoTracking().ToListAsync(), p => Assert.Matches(@"^\+50600000\d{3}$", p.Number));

            var categories = await db.ServiceAttributes.Select(a => a.TaxonomyTerm!.Code).Distinct().ToListAsync();
            Assert.Equal(TestData.Categories.Order(), categories.Order());
            var labels = await db.TaxonomyTerms.AsNoTracking().ToListAsync();
            Assert.All(labels, t => Assert.True(new[] { "en", "es", "pt", "fr" }.All(t.Labels.ContainsKey), t.Code));

            Assert.True(await db.Locations.CountAsync(l => l.Visibility == "hidden") >= 1);
            Assert.True(await db.Locations.CountAsync(l => l.Visibility == "approximate") >= 1);
            var remote = await db.Services.CountAsync(s => s.ServiceAtLocations.Count == 0 && s.ServiceAreas.Count > 0);
            Assert.True(remote >= 6, $"only {remote} area-served services");

            Assert.True(await db.Places.CountAsync(p => p.Country == "CR") >= 100);
            Assert.True(await db.DemandPoints.CountAsync() >= 100);
            var cr = await db.Regions.AsNoTracking().SingleAsync(r => r.Code == "CR");
            Assert.NotNull(cr.Geometry);
            Assert.True(await db.Regions.AnyAsync(r => r.Code == "NI") && await db.Regions.AnyAsync(r => r.Code == "PA"));
            // San José lies inside the Costa Rica outline.
            Assert.True(await db.Regions.AnyAsync(r => r.Code == "CR" && r.Geometry!.Covers(Referral.Api.Infrastructure.Geo.Point(9.9333, -84.0833))));
        });
    }

    /// <summary>Issue 12, items 9 and 10: every country's outline and every country's larger towns, not Costa Rica's alone.</summary>
    [Fact]
    public async Task Seed_HasEveryCountrysOutline_AndLargerTowns_AndOnlyCostaRicaIsTheDemoPopulation()
    {
        await SeedAsync();

        await Factory.WithDbAsync(async db =>
        {
            Assert.True(await db.Regions.CountAsync(r => r.Level == 0 && r.Geometry != null) >= 230);
            // Nairobi in Kenya, inland Viti Levu in Fiji, Hargeisa (Somaliland) in Somalia and northern Canada.
            foreach (var (code, lat, lng) in new[] { ("KE", -1.28333, 36.81667), ("FJ", -17.8, 178.0), ("SO", 9.56, 44.065), ("CA", 66.0, -100.0) })
            {
                var at = Referral.Api.Infrastructure.Geo.Point(lat, lng);
                Assert.Equal(code, await db.Regions.Where(r => r.Level == 0 && r.Geometry!.Covers(at)).Select(r => r.Code).SingleAsync());
            }
            // Russia is stitched across the antimeridian in world-atlas; cut on load, its flat outline is no band round the globe.
            var russia = await db.Regions.AsNoTracking().SingleAsync(r => r.Code == "RU");
            Assert.False(russia.Geometry!.Covers(new NetTopologySuite.Geometries.Point(-100, 66)));
            var nairobi = await db.Places.AsNoTracking().Where(p => p.Name == "Nairobi" && p.Country == "KE").SingleAsync();
            Assert.True(nairobi.Population > 1_000_000);
            Assert.True(await db.Places.Select(p => p.Country).Distinct().CountAsync() >= 200);
            Assert.True(await db.Places.CountAsync(p => p.Country != "CR" && p.Population < 15_000) == 0);
            Assert.Equal(await db.Places.CountAsync(p => p.Country == "CR"), await db.DemandPoints.CountAsync());
        });
        var places = await Public.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/places?q=Nairobi");
        Assert.Equal("KE", places.GetProperty("contents")[0].GetProperty("country").GetString());
    }

    [Fact]
    public async Task Seed_CentralValleyIsDenserThanRuralProvinces()
    {
        await SeedAsync();

        var perProvince = await Factory.WithDbAsync(db => db.Addresses
            .GroupBy(a => a.Region)
            .Select(g => new { Region = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Region ?? "", x => x.Count));

        Assert.True(perProvince.GetValueOrDefault("CR-SJ") > 2 * perProvince.GetValueOrDefault("CR-L"),
            string.Join(", ", perProvince.Select(kv => $"{kv.Key}={kv.Value}")));
    }
}
