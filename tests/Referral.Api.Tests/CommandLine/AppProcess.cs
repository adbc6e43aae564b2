using System.Diagnostics;
using Npgsql;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.CommandLine;

/// <summary>
/// Runs the built API executable (or a documented command line) as a separate process, the way a user does, with its
/// own environment: stdout and stderr apart, a time limit after which the whole process tree is killed.
/// </summary>
internal static class AppProcess
{
#if DEBUG
    private const string Configuration = "debug";
#else
    private const string Configuration = "release";
#endif

    public static string RepoRoot => NodeTools.RepoRoot();

    /// <summary>The API's own build output (artifacts/bin/Referral.Api/&lt;configuration&gt;/Referral.Api.dll).</summary>
    public static string ApiDll
    {
        get
        {
            // REFERRAL_TEST_API_DLL: another build to run these tests against (e.g. an older version, to see them fail).
            var dll = System.Environment.GetEnvironmentVariable("REFERRAL_TEST_API_DLL") is { Length: > 0 } other
                ? other
                : Path.Combine(RepoRoot, "artifacts", "bin", "Referral.Api", Configuration, "Referral.Api.dll");
            Assert.True(File.Exists(dll), $"Build the solution first: {dll} is missing.");
            return dll;
        }
    }

    public sealed record Result(int Code, string Out, string Error, bool TimedOut);

    /// <summary>Runs <c>dotnet Referral.Api.dll args</c> on <paramref name="connectionString"/>.</summary>
    public static Task<Result> RunApiAsync(string connectionString, TimeSpan limit, params string[] args) =>
        RunAsync("dotnet", [ApiDll, .. args], Environment(connectionString), limit);

    /// <summary>The environment of a run: the test's database and nothing inherited that changes what the app does.</summary>
    public static Dictionary<string, string?> Environment(string connectionString) => new()
    {
        ["ConnectionStrings__Referral"] = connectionString,
        ["ConnectionStrings__ReferralMigrations"] = null,
        ["ConnectionStrings__ReferralRead"] = null,
        ["Database__Migrate"] = null,
        ["Seeding__Enabled"] = null,
        ["ASPNETCORE_ENVIRONMENT"] = null,
        ["DOTNET_ENVIRONMENT"] = null,
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:" + FreePort(),
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    /// <summary>The program in the repository root with these arguments; a null value removes that variable.</summary>
    private static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, Dictionary<string, string?> environment, bool redirectInput)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }
        return start;
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, Dictionary<string, string?> environment, TimeSpan limit)
    {
        using var process = Process.Start(StartInfo(file, args, environment, redirectInput: true))!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return new Result(timedOut ? -1 : process.ExitCode, await output, await error, timedOut);
    }

    /// <summary>Starts a long-running process (a server); the caller kills it (<see cref="Stop"/>).</summary>
    public static Process Start(string file, IEnumerable<string> args, Dictionary<string, string?> environment, Action<string> output)
    {
        var process = new Process { StartInfo = StartInfo(file, args, environment, redirectInput: false) };
        process.OutputDataReceived += (_, e) => output(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => output(e.Data ?? "");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(30_000);
        }
        process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An empty database of its own (dropped by <see cref="DropDatabaseAsync"/>); returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(ReferralApiFactory factory, string name)
    {
        await using var admin = new NpgsqlConnection(factory.AdminConnectionString("postgres"));
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
        await create.ExecuteNonQueryAsync();
        return factory.AdminConnectionString(name);
    }

    public static async Task DropDatabaseAsync(ReferralApiFactory factory, string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(factory.AdminConnectionString("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin) { CommandTimeout = 0 };
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Whether anything was ever migrated into the database (EF's history table exists).</summary>
    public static async Task<bool> MigratedAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var probe = new NpgsqlCommand("SELECT to_regclass('public.\"__EFMigrationsHistory\"') IS NOT NULL", conn);
        return (bool)(await probe.ExecuteScalarAsync())!;
    }
}
