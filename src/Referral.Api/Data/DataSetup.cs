using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Data.Seeding;

namespace Referral.Api.Data;

/// <summary>
/// The context options for each connection string a scope may use (the primary, and the standby when one is configured),
/// built once: <c>AddDbContext</c> built them anew for every scope, which cost about a fifth of the CPU of a nearest answer
/// served from memory (issue 15), since every request resolves a context (the API key handler's, the queries').
/// </summary>
internal sealed class ReferralDbOptions(IServiceProvider services, Features.Referrals.NearestWriteInterceptor interceptor)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DbContextOptions<ReferralDbContext>> _built = new(StringComparer.Ordinal);

    public DbContextOptions<ReferralDbContext> For(string connectionString) => _built.GetOrAdd(connectionString, cs =>
        new DbContextOptionsBuilder<ReferralDbContext>()
            .UseApplicationServiceProvider(services)
            .UseNpgsql(cs, npgsql => npgsql.UseNetTopologySuite().MigrationsAssembly(typeof(ReferralDbContext).Assembly.GetName().Name))
            .UseSnakeCaseNamingConvention()
            // Read-your-writes for the in-process nearest index (issue 15).
            .AddInterceptors(interceptor)
            .Options);
}

internal sealed class DatabaseOptions
{
    /// <summary>Apply migrations at start-up. Development and tests only; production migrates with a deliberate step.</summary>
    public bool Migrate { get; set; }
}

internal sealed class SeedingOptions
{
    public bool Enabled { get; set; }

    /// <summary>
    /// Also load the FICTIONAL demo (its directory of organisations and services and its demand dataset); false loads only
    /// the reference data (taxonomy, country outlines, towns). docker-compose sets it from SEED_DEMO (default false).
    /// </summary>
    public bool Demo { get; set; } = true;

    /// <summary>Folder holding the seed files; found by walking up from the working directory when empty.</summary>
    [MaxLength(4096)]
    public string? Path { get; set; }
}

internal static class DataSetup
{
    // The project-local cluster that `make run` starts (scripts/localdb.sh); used when nothing else is configured.
    public static string LocalDefault =>
        "Host=127.0.0.1;Port=" + LocalPort + ";Database=referral;Username=referral;Password=referral";

    private static string LocalPort => Environment.GetEnvironmentVariable("REFERRAL_PG_PORT") is { Length: > 0 } port ? port : "55432";

    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("Referral") is { Length: > 0 } cs ? cs
        : configuration["DATABASE_URL"] is { Length: > 0 } url ? FromUrl(url)
        : LocalDefault;

    /// <summary>
    /// The connection migrations and seeding use: <c>ConnectionStrings:ReferralMigrations</c> (the schema owner's role) when
    /// set, so that the app's own connection (<see cref="ConnectionString"/>) can be a role without DDL rights (README,
    /// "Database roles"); otherwise the app's connection, as before.
    /// </summary>
    public static string? MigrationsConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("ReferralMigrations") is { Length: > 0 } cs ? WithSessionSettings(cs) : null;

    /// <summary>
    /// Sends the scope's contexts to the schema owner when one is configured (migrations and the seed need it; README,
    /// "Database roles"). Call it before the scope's first context is made (see <see cref="DbRoute.UseOwner"/>).
    /// </summary>
    internal static void UseSchemaOwner(IServiceProvider sp)
    {
        if (MigrationsConnectionString(sp.GetRequiredService<IConfiguration>()) is { } owner)
        {
            sp.GetRequiredService<DbRoute>().UseOwner(owner);
        }
    }

    /// <summary>postgres://user:password@host:port/database → an Npgsql connection string.</summary>
    internal static string FromUrl(string url)
    {
        var uri = new Uri(url);
        var userInfo = uri.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
            Username = Uri.UnescapeDataString(userInfo[0]),
            Password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : null,
        }.ConnectionString;
    }

    /// <summary>
    /// pg_trgm's word-similarity threshold for typo-tolerant search (default 0.6 misses one-letter slips in short
    /// words such as "violensia"); set per connection so every database, pooled connection and replica agrees.
    /// </summary>
    public const string TrigramThreshold = "0.5";

    /// <summary>
    /// Seconds to wait for a connection unless the connection string says otherwise: Npgsql's default (15 s) kept every
    /// request waiting that long when the server was unreachable; with 3 s they fail fast with 503.
    /// </summary>
    public const int DefaultConnectTimeoutSeconds = 3;

    /// <summary>Whether the connection string names a connect timeout (Timeout, Connect Timeout or Connection Timeout), whatever the spelling.</summary>
    internal static bool SetsConnectTimeout(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(k => k.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant() is "TIMEOUT" or "CONNECTTIMEOUT" or "CONNECTIONTIMEOUT");

    internal static string WithSessionSettings(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!SetsConnectTimeout(connectionString))
        {
            builder.Timeout = DefaultConnectTimeoutSeconds;
        }
        builder.Options = $"{builder.Options} -c pg_trgm.word_similarity_threshold={TrigramThreshold}".Trim();
        return builder.ConnectionString;
    }

    /// <summary>Npgsql's <c>Max Auto Prepare</c> for the request path, unless the connection string sets it (0 turns it off).</summary>
    public const int AutoPrepared = 64;

    /// <summary>
    /// Statements a request sends again and again (OGC items, nearest, lists, key checks) are prepared on each pooled
    /// connection after a few uses (Npgsql's auto-preparation), so PostgreSQL stops parsing and planning them per request:
    /// under load the planning of the OGC items statements cost more than running them. Only the request path's
    /// connections (the DbContext's); the job runners keep their own strings.
    /// </summary>
    internal static string WithAutoPrepare(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("MAXAUTOPREPARE", StringComparison.OrdinalIgnoreCase)))
        {
            return connectionString;
        }
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = AutoPrepared }.ConnectionString;
    }

    public static IServiceCollection AddReferralData(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = WithAutoPrepare(WithSessionSettings(ConnectionString(configuration)));
        var read = configuration.GetConnectionString("ReferralRead") is { Length: > 0 } r ? WithAutoPrepare(WithSessionSettings(r)) : null;
        services.AddSingleton(new DatabaseTopology(connectionString, read));
        services.AddScoped<DbRoute>();
        // Per scope: the standby for the reads of GET requests when one is configured (DbRoute), else the primary. The
        // options of each are built once and shared by every scope's context (ReferralDbOptions).
        services.AddSingleton<ReferralDbOptions>();
        services.AddScoped(sp => sp.GetRequiredService<ReferralDbOptions>().For(sp.GetRequiredService<DbRoute>().ConnectionString));
        services.AddScoped<DbContextOptions>(sp => sp.GetRequiredService<DbContextOptions<ReferralDbContext>>());
        services.AddScoped<ReferralDbContext>();
        services.AddSingleton<Features.Referrals.NearestWriteInterceptor>();
        services.AddOptions<DatabaseOptions>().BindConfiguration("Database");
        services.AddOptions<SeedingOptions>().BindConfiguration("Seeding").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        Infrastructure.Freshness.Configure(configuration.GetValue("Freshness:StaleAfterDays", 365));
        services.AddScoped<SeedLoader>();
        return services;
    }

    /// <summary>Migrate and seed when the settings ask for it (make run, tests); always awaited.</summary>
    public static async Task InitializeDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var config = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value;
        var seeding = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<SeedingOptions>>().Value;
        if (config.Migrate || seeding.Enabled)
        {
            // Migrations and the seed's ANALYZE need the schema owner; requests then run as the DML-only role.
            UseSchemaOwner(sp);
        }
        var db = sp.GetRequiredService<ReferralDbContext>();
        if (config.Migrate || seeding.Enabled)
        {
            await db.Database.MigrateAsync(ct);
        }
        if (seeding.Enabled)
        {
            sp.GetRequiredService<Features.Access.ActorContext>().Set(Features.Access.Actor.System("seed"));
            await sp.GetRequiredService<SeedLoader>().RunAsync(ct);
        }
    }
}
