using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Data;

public sealed class MigrationTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task Model_HasNoPendingChanges()
    {
        var pending = await Factory.WithDbAsync(db => Task.FromResult(db.Database.HasPendingModelChanges()));

        Assert.False(pending, "The EF model differs from the last migration: run `dotnet ef migrations add <Name> --project src/Referral.Api --output-dir Data/Migrations`.");
    }

    [Fact]
    public async Task Database_IsFullyMigrated_WithPostGis()
    {
        var pending = await Factory.WithDbAsync(async db => (await db.Database.GetPendingMigrationsAsync()).ToList());
        await using var conn = await Factory.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT extname FROM pg_extension ORDER BY extname", conn);
        var extensions = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                extensions.Add(reader.GetString(0));
            }
        }

        Assert.Empty(pending);
        Assert.Contains("postgis", extensions);
        Assert.Contains("unaccent", extensions);
        Assert.Contains("pg_trgm", extensions);
    }

    [Fact]
    public async Task EveryGeographyColumn_HasGistIndex()
    {
        await using var conn = await Factory.OpenAsync();
        const string sql = """
            SELECT c.table_name || '.' || c.column_name
            FROM information_schema.columns c
            WHERE c.table_schema = 'public' AND c.udt_name = 'geography'
              AND NOT EXISTS (
                SELECT 1 FROM pg_indexes i
                WHERE i.schemaname = 'public' AND i.tablename = c.table_name
                  AND i.indexdef ILIKE '%USING gist (' || c.column_name || ')%')
            """;
        await using var cmd = new NpgsqlCommand(sql, conn);
        var missing = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            missing.Add(reader.GetString(0));
        }

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("UPDATE service SET minimum_age = -1", "ck_service_minimum_age")]
    [InlineData("UPDATE service SET maximum_age = 121", "ck_service_maximum_age")]
    [InlineData("UPDATE service SET minimum_age = 10, maximum_age = 5", "ck_service_age_range")]
    [InlineData("UPDATE service SET status = 'closed'", "ck_service_status")]
    [InlineData("UPDATE service SET delivery_modes = ARRAY['pigeon']", "ck_service_delivery_modes")]
    [InlineData("UPDATE location SET visibility = 'secret'", "ck_location_visibility")]
    [InlineData("UPDATE schedule SET byday = 'XX'", "ck_schedule_byday")]
    [InlineData("UPDATE phone SET type = 'carrier-pigeon'", "ck_phone_type")]
    public async Task CheckConstraints_RejectImpossibleValues(string sql, string constraint)
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        await TestData.CreateServiceAsync(Client, TestData.Service(org));
        await using var conn = await Factory.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);

        var ex = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());

        Assert.Equal(constraint, ex.ConstraintName);
    }

    [Fact]
    public async Task RowVersion_ChangesOnEveryUpdate_AndLastModifiedIsMaintained()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var before = await Factory.WithDbAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.Id == org));

        await Factory.WithDbAsync(async db =>
        {
            var o = await db.Organizations.SingleAsync(x => x.Id == org);
            o.Description = "changed";
            await db.SaveChangesAsync();
        });
        var after = await Factory.WithDbAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.Id == org));

        Assert.NotEqual(before.Version, after.Version);
        Assert.True(after.LastModified > before.LastModified);
    }
}
