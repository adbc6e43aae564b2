using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Data;

/// <summary>
/// Issue 11 item 12, least privilege: the app migrates as the schema owner (<c>ConnectionStrings:ReferralMigrations</c>)
/// and serves requests as a role that may read and write rows but not create, alter or drop anything — set up by the
/// same scripts/db-roles.sql that <c>scripts/localdb.sh</c> and docker compose run.
/// </summary>
public sealed class DatabaseRolesTests : IAsyncLifetime, IDisposable
{
    private const string Password = "roles-test";
    private readonly string _owner = $"referral_t_owner_{Guid.NewGuid():N}"[..30];
    private readonly string _app = $"referral_t_app_{Guid.NewGuid():N}"[..28];
    private readonly ReferralApiFactory _factory;

    public DatabaseRolesTests()
    {
        _factory = new ReferralApiFactory
        {
            PrepareDatabase = async admin =>
            {
                foreach (var role in new[] { _owner, _app })
                {
                    await ExecAsync(admin, $"CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{Password}'");
                }
                // As scripts/localdb.sh: PostGIS is not a trusted extension, so the superuser creates it; then the roles' grants.
                await using var db = new NpgsqlConnection(_factory!.AdminConnectionString());
                await db.OpenAsync();
                await ExecAsync(db, "CREATE EXTENSION IF NOT EXISTS postgis");
                await ExecAsync(db, RolesScript(_owner, _app));
            },
        };
        _factory.Settings["ConnectionStrings:Referral"] = As(_app);
        _factory.Settings["ConnectionStrings:ReferralMigrations"] = As(_owner);
        // make run and docker compose seed at start-up as the owner too: the reference data (taxonomy, outlines, towns).
        _factory.Settings["Seeding:Enabled"] = "true";
        _factory.Settings["Seeding:Demo"] = "false";
    }

    private string As(string role) =>
        new NpgsqlConnectionStringBuilder(_factory.ConnectionString) { Username = role, Password = Password }.ConnectionString;

    /// <summary>scripts/db-roles.sql with its two psql variables filled in (it has no other psql syntax).</summary>
    private static string RolesScript(string owner, string app)
    {
        var path = Path.Combine(ReferralApiFactory.SeedFolder(), "..", "scripts", "db-roles.sql");
        return File.ReadAllText(path).Replace(":'owner'", $"'{owner}'", StringComparison.Ordinal).Replace(":'app'", $"'{app}'", StringComparison.Ordinal);
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public Task InitializeAsync() => ((IAsyncLifetime)_factory).InitializeAsync();

    public void Dispose() => _factory.Dispose();

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_factory).DisposeAsync();
        await using var admin = new NpgsqlConnection(_factory.AdminConnectionString("postgres"));
        await admin.OpenAsync();
        foreach (var role in new[] { _app, _owner })
        {
            await ExecAsync(admin, $"DROP ROLE IF EXISTS \"{role}\"");
        }
    }

    [Fact]
    public async Task StartUp_SeedsAsTheOwner_OutlinesAndTownsWithTheirGeometries()
    {
        // The seed writes geometries (country outlines, town points) through the owner's connection: before the fix the
        // context's connection string was swapped to the owner's after it was made, without the NetTopologySuite mapping,
        // and the app did not start ("Writing values of 'MultiPolygon' is not supported for parameters having NpgsqlDbType
        // 'Geography'"). Read back as the app role.
        await using var app = new NpgsqlConnection(As(_app));
        await app.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM region WHERE geometry IS NOT NULL), (SELECT count(*) FROM place WHERE point IS NOT NULL)", app);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.True(reader.GetInt64(0) > 0, "no region outline was seeded");
        Assert.True(reader.GetInt64(1) > 0, "no town was seeded");
    }

    [Fact]
    public async Task AppRole_CannotCreateOrDropTables_ButTheApiWorks()
    {
        // The API, running as the DML-only role after migrating as the owner: write, read, audit, search.
        using var client = _factory.CreateClient(_factory.AdminKey);
        var org = await TestData.CreateOrganizationAsync(client, "Least privilege");
        // The categories come from the seed (the reference data).
        var created = await TestData.CreateServiceAsync(client, TestData.Service(org, "Served by the app role"));
        var id = created.GetProperty("id").GetGuid();
        var read = await client.GetFromJsonAsync<JsonElement>($"/api/services/{id}");
        Assert.Equal("Served by the app role", read.GetProperty("name").GetString());
        using (var nearest = await client.GetAsync("/api/nearest?lat=9.93&lng=-84.08"))
        {
            Assert.Equal(HttpStatusCode.OK, nearest.StatusCode);
        }
        using (var delete = await client.DeleteAsync($"/api/services/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        // The same connection the app uses: no DDL, and not a superuser.
        await using var app = new NpgsqlConnection(As(_app));
        await app.OpenAsync();
        await using (var who = new NpgsqlCommand("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user", app))
        await using (var reader = await who.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(_app, reader.GetString(0));
            Assert.False(reader.GetBoolean(1));
        }
        foreach (var ddl in new[]
        {
            "CREATE TABLE public.intruder (id int)",
            "DROP TABLE public.service CASCADE",
            "ALTER TABLE public.location ADD COLUMN leak text",
            "TRUNCATE public.audit_entry",
            "CREATE SCHEMA intruder",
        })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(app, ddl));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        }

        // The tables belong to the owner, who ran the migrations.
        await using var owners = new NpgsqlCommand(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'", app);
        await using var rows = await owners.ExecuteReaderAsync();
        var names = new List<string>();
        while (await rows.ReadAsync())
        {
            names.Add(rows.GetString(0));
        }
        Assert.Equal([_owner], names);
    }
}
