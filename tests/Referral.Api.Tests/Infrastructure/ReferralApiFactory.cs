using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Access;
using Respawn;

namespace Referral.Api.Tests.Infrastructure;

/// <summary>
/// One app and one fresh PostGIS database per test run (referral_test_*), migrated with the real migrations.
/// The server comes from <c>ConnectionStrings__ReferralTest</c> (an admin connection), or the local cluster of <c>make test</c>.
/// </summary>
public sealed class ReferralApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    // The local cluster of `make test` (scripts/localdb.sh), on REFERRAL_PG_PORT when set.
    private static readonly string LocalAdmin =
        "Host=127.0.0.1;Port=" + (Environment.GetEnvironmentVariable("REFERRAL_PG_PORT") is { Length: > 0 } port ? port : "55432")
        + ";Database=postgres;Username=referral;Password=referral";

    private readonly string _adminConnectionString;
    private Respawner? _respawner;

    public ReferralApiFactory()
        : this(Environment.GetEnvironmentVariable("ConnectionStrings__ReferralTest") is { Length: > 0 } cs ? cs : LocalAdmin)
    {
    }

    /// <summary>A factory on another server (an admin connection to its <c>postgres</c> database).</summary>
    internal ReferralApiFactory(string adminConnectionString)
    {
        _adminConnectionString = adminConnectionString;
        DatabaseName = $"referral_test_{Guid.NewGuid():N}"[..28];
        // A 15 s connect timeout unless the server's string sets one: the app's 3 s default is for production, and a
        // test machine shared by parallel builds can take longer than that to start a backend.
        var builder = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = DatabaseName, Pooling = true };
        if (!Referral.Api.Data.DataSetup.SetsConnectTimeout(_adminConnectionString))
        {
            builder.Timeout = 15;
        }
        ConnectionString = builder.ConnectionString;
    }

    /// <summary>
    /// Another API instance on <paramref name="first"/>'s database (several instances behind one load balancer): it
    /// neither creates nor drops the database, and shares the first one's admin key. Initialize it after the first.
    /// </summary>
    internal ReferralApiFactory(ReferralApiFactory first)
        : this(first._adminConnectionString)
    {
        DatabaseName = first.DatabaseName;
        ConnectionString = first.ConnectionString;
        _first = first;
    }

    private readonly ReferralApiFactory? _first;

    public string DatabaseName { get; }

    public string ConnectionString { get; }

    /// <summary>
    /// False (the default): the test database runs with <c>synchronous_commit = off</c>. True keeps PostgreSQL's default, so
    /// an acknowledged commit survives a crash (set it before <see cref="InitializeAsync"/>).
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>
    /// True: the app listens on a free loopback port with Kestrel (<see cref="ServerAddress"/>), so programs outside the test
    /// process (GDAL, OWSLib) can call it. Set it before <see cref="InitializeAsync"/>.
    /// </summary>
    public bool RealServer { get; init; }

    /// <summary>The real server's base address (http://127.0.0.1:port) when <see cref="RealServer"/>.</summary>
    public Uri ServerAddress => new(Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());

    /// <summary>
    /// Runs after the database is created and before the app starts (and migrates it), with an admin connection to the
    /// server's <c>postgres</c> database: a test that needs roles or grants sets them up here.
    /// </summary>
    public Func<NpgsqlConnection, Task>? PrepareDatabase { get; init; }

    /// <summary>The admin connection string with another database (this run's, by default).</summary>
    public string AdminConnectionString(string? database = null) =>
        new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = database ?? DatabaseName }.ConnectionString;

    /// <summary>Settings the app starts with; tests that need another setting build their own factory.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public async Task InitializeAsync()
    {
        if (_first is not null)
        {
            StartApp();
            AdminKey = _first.AdminKey;
            return;
        }
        await using (var admin = new NpgsqlConnection(_adminConnectionString))
        {
            try
            {
                await admin.OpenAsync();
            }
            catch (NpgsqlException ex)
            {
                throw new InvalidOperationException(
                    "Tests need PostgreSQL + PostGIS. Run them with `make test` (starts the local cluster) or set ConnectionStrings__ReferralTest. " + ex.Message, ex);
            }
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{DatabaseName}\"", admin);
            await create.ExecuteNonQueryAsync();
            if (!Durable)
            {
                // Test data need not survive a crash: commits return before their WAL is flushed (much faster on slow disks).
                await using var fast = new NpgsqlCommand($"ALTER DATABASE \"{DatabaseName}\" SET synchronous_commit = off", admin);
                await fast.ExecuteNonQueryAsync();
            }
            if (PrepareDatabase is not null)
            {
                await PrepareDatabase(admin);
            }
        }
        // Starting the app applies the migrations (Database:Migrate=true).
        StartApp();
        await using var conn = await OpenAsync();
        try
        {
            await using var probe = new NpgsqlCommand("SELECT postgis_full_version()", conn);
            await probe.ExecuteScalarAsync();
        }
        catch (PostgresException ex)
        {
            throw new InvalidOperationException("PostGIS is not installed on the test server: apt-get install -y postgresql-15-postgis-3", ex);
        }
        _respawner = await Respawner.CreateAsync(conn, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            // Without this Respawn empties PostGIS's spatial_ref_sys.
            TablesToIgnore = ["spatial_ref_sys", "__EFMigrationsHistory"],
        });
        AdminKey = await CreateKeyAsync("test-admin", Roles.Admin);
        _adminKeyRow = await WithDbAsync(db => db.ApiKeys.AsNoTracking().SingleAsync(k => k.Name == "test-admin"));
    }

    private ApiKey? _adminKeyRow;

    private void StartApp()
    {
        if (RealServer)
        {
            UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
            StartServer();
        }
        else
        {
            _ = Server;
        }
    }

    /// <summary>An admin API key made once per run; <see cref="DatabaseTest.Client"/> sends it.</summary>
    public string AdminKey { get; private set; } = "";

    /// <summary>Creates an API key the way the CLI does (names must be unique per run).</summary>
    public async Task<string> CreateKeyAsync(string name, string role, Guid? organizationId = null)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ActorContext>().Set(Actor.System("tests"));
        var (_, secret) = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(name, role, organizationId, CancellationToken.None);
        return secret;
    }

    /// <summary>A client that sends <paramref name="key"/> as <c>X-Api-Key</c>.</summary>
    public HttpClient CreateClient(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    /// <summary>Empties every table, then puts the run's admin key back (api_key is emptied too: it references organization).</summary>
    public async Task ResetDatabaseAsync()
    {
        // The app's background work (index loads, read-table flushes) may hold locks the DELETEs need: PostgreSQL
        // breaks such a deadlock by aborting one side, and emptying the tables again is safe.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var conn = await OpenAsync();
                await _respawner!.ResetAsync(conn);
                break;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
            }
        }
        await WithDbAsync(async db =>
        {
            db.ApiKeys.Add(_adminKeyRow!);
            await db.SaveChangesAsync();
            db.AuditEntries.RemoveRange(db.AuditEntries);
            await db.SaveChangesAsync();
        });
    }

    /// <summary>Runs <paramref name="action"/> with a scoped DbContext, as one unit of work.</summary>
    internal async Task<T> WithDbAsync<T>(Func<ReferralDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<ReferralDbContext>());
    }

    internal async Task WithDbAsync(Func<ReferralDbContext, Task> action) =>
        await WithDbAsync(async db => { await action(db); return 0; });

    protected override IHost CreateHost(IHostBuilder builder)
    {
        // Host configuration is read before Program.cs runs (ConfigureAppConfiguration would be too late: dotnet/aspnetcore#37680).
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Referral"] = ConnectionString,
            ["Database:Migrate"] = "true",
            ["Seeding:Enabled"] = "false",
            ["Seeding:Path"] = SeedFolder(),
            // Tests send thousands of requests a minute from one address; RateLimitTests checks the limiter itself.
            ["RateLimits:AnonymousPerMinute"] = "1000000",
            ["RateLimits:AuthenticatedPerMinute"] = "1000000",
            ["RateLimits:FeedbackPerHour"] = "1000000",
            ["RateLimits:ExpensiveConcurrency"] = "1000",
            // Tiles are cached in memory until a NOTIFY drops them (asynchronously): tests that write and then read a
            // tile would race it. TileTests checks the cache with its own factory.
            ["Tiles:CacheMegabytes"] = "0",
        }.Where(kv => !Settings.ContainsKey(kv.Key)).Concat(Settings)));
        return base.CreateHost(builder);
    }

    /// <summary>The repository's seed/ folder, found from this source file so it does not depend on the working directory.</summary>
    public static string SeedFolder([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "seed"));

    /// <summary>
    /// True (the default): before each request the app handles every notification committed so far
    /// (<see cref="Referral.Api.Data.DbNotifications.SyncAsync"/>), so a test that writes and then reads never races the
    /// in-memory indexes' invalidation — what a real client gets within milliseconds. Freshness tests turn it off, or send
    /// <see cref="NoSyncHeader"/>, to see the real delay.
    /// </summary>
    public bool SyncBeforeRequests { get; init; } = true;

    /// <summary>A request with this header skips <see cref="SyncBeforeRequests"/>.</summary>
    public const string NoSyncHeader = "X-Test-No-Sync";

    private sealed class SyncFilter : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
        {
            app.Use(then => async context =>
            {
                if (!context.Request.Headers.ContainsKey(NoSyncHeader))
                {
                    await context.RequestServices.GetRequiredService<Referral.Api.Data.DbNotifications>().SyncAsync(TimeSpan.FromSeconds(5), context.RequestAborted);
                }
                await then(context);
            });
            next(app);
        };
    }

    /// <summary>Services to add or replace after the app's own (e.g. an in-memory telemetry exporter); set before starting.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        // No console logger: the in-process CLI tests (CliRunner) redirect the process's Console to read a verb's output,
        // and another test's app starting meanwhile ("info: ... Applying migration") would write into it. Tests that read
        // logs add their own provider.
        builder.ConfigureLogging(logging => logging.ClearProviders());
        if (SyncBeforeRequests)
        {
            builder.ConfigureTestServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, SyncFilter>());
        }
        if (TestServices is { } configure)
        {
            builder.ConfigureTestServices(configure);
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_first is not null)
        {
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.OpenAsync();
        // No 30 s limit: on a loaded shared server dropping a database can take longer, and the test itself has passed.
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", admin) { CommandTimeout = 0 };
        await drop.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<ReferralApiFactory>
{
    public const string Name = "database";
}

/// <summary>Base for database tests: a clean database before each test.</summary>
[Collection(DatabaseCollection.Name)]
public abstract class DatabaseTest(ReferralApiFactory factory) : IAsyncLifetime
{
    protected ReferralApiFactory Factory { get; } = factory;

    /// <summary>An admin client: arranging data needs write rights.</summary>
    protected HttpClient Client { get; } = factory.CreateClient(factory.AdminKey);

    /// <summary>An anonymous client: what the public sees.</summary>
    protected HttpClient Public { get; } = factory.CreateClient();

    public virtual async Task InitializeAsync()
    {
        await Factory.ResetDatabaseAsync();
        await TestData.EnsureCategoriesAsync(Factory);
    }

    public virtual Task DisposeAsync()
    {
        Client.Dispose();
        Public.Dispose();
        return Task.CompletedTask;
    }
}
