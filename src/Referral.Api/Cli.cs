using Referral.Api.Data;
using Referral.Api.Data.Seeding;
using Referral.Api.Features.Access;

namespace Referral.Api;

/// <summary>
/// CLI verbs of the same executable: <c>dotnet run --project src/Referral.Api -- seed</c>. Each verb migrates first,
/// runs as a named system actor (recorded in the audit log) and exits with 0, 1 (bad arguments) or 2 (no database).
/// </summary>
internal static class Cli
{
    public static readonly string[] Verbs = ["seed", "migrate", "keys", "import", "export", "gaps", "place", "places"];

    public static bool IsVerb(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    /// <summary>A verb's result is its stdout (the gaps table, a new key), so its log lines go to stderr and never mix in.</summary>
    public static ILoggingBuilder AddCliLogging(this ILoggingBuilder logging, string[] args) =>
        IsVerb(args) ? logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace) : logging;

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var verb = args[0];
        var ct = app.Lifetime.ApplicationStopping;
        try
        {
            await using var scope = app.Services.CreateAsyncScope();
            var sp = scope.ServiceProvider;
            sp.GetRequiredService<ActorContext>().Set(Actor.System($"cli:{verb}"));
            var db = sp.GetRequiredService<ReferralDbContext>();
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.MigrateAsync(db.Database, ct);
            var code = verb switch
            {
                "seed" => await SeedAsync(sp, ct),
                "keys" => await KeysAsync(sp.GetRequiredService<ApiKeyService>(), args[1..], ct),
                "import" => await Features.Imports.ImportCli.RunAsync(sp, args[1..], ct),
                "export" => await Features.Exports.ExportCli.RunAsync(sp, args[1..], ct),
                "gaps" => await Features.Gaps.GapCli.RunAsync(sp, args[1..], ct),
                "place" => await Features.Placements.PlacementCli.RunAsync(sp, args[1..], ct),
                "places" => await Features.Places.PlacesCli.RunAsync(sp, args[1..], ct),
                _ => 0,
            };
            if (code == 0 && verb is not ("keys" or "import" or "export" or "places"))
            {
                await Console.Out.WriteLineAsync($"{verb}: done");
            }
            return code;
        }
        catch (Npgsql.NpgsqlException ex)
        {
            await Console.Error.WriteLineAsync($"{verb}: cannot reach the database ({ex.Message}). Start the local one with `make db`, or set ConnectionStrings__Referral.");
            return 2;
        }
    }

    private static async Task<int> SeedAsync(IServiceProvider sp, CancellationToken ct)
    {
        sp.GetRequiredService<ActorContext>().Set(Actor.System("seed"));
        await sp.GetRequiredService<SeedLoader>().RunAsync(ct);
        return 0;
    }

    private const string KeysUsage = """
        usage: keys create --role <caseworker|editor|planner|admin> --name <name> [--organization <id>]
               keys list
               keys revoke <name|id>
        """;

    /// <summary><c>keys create</c> prints the new key alone on its last line; it is shown only this once.</summary>
    private static async Task<int> KeysAsync(ApiKeyService keys, string[] args, CancellationToken ct)
    {
        switch (args)
        {
            case ["create", .. var rest]:
                var options = Options(rest);
                if (options is null || !options.TryGetValue("role", out var role) || !options.TryGetValue("name", out var name))
                {
                    await Console.Error.WriteLineAsync(KeysUsage);
                    return 1;
                }
                Guid? org = null;
                if (options.TryGetValue("organization", out var orgText))
                {
                    if (!Guid.TryParse(orgText, out var parsed))
                    {
                        await Console.Error.WriteLineAsync($"--organization: '{orgText}' is not a UUID.");
                        return 1;
                    }
                    org = parsed;
                }
                try
                {
                    var (key, secret) = await keys.CreateAsync(name, role, org, ct);
                    await Console.Out.WriteLineAsync($"Created {key.Role} key '{key.Name}' ({key.Id}). Store it now; it is not shown again:");
                    await Console.Out.WriteLineAsync(secret);
                    return 0;
                }
                catch (ArgumentException ex)
                {
                    await Console.Error.WriteLineAsync(ex.Message);
                    return 1;
                }
            case ["list"]:
                foreach (var k in await keys.ListAsync(ct))
                {
                    await Console.Out.WriteLineAsync(
                        $"{k.Id}  {k.Prefix}…  {k.Role,-10}  {k.Name}{(k.OrganizationId is { } o ? $"  org={o}" : "")}  created {k.CreatedAt:u}{(k.RevokedAt is { } r ? $"  REVOKED {r:u}" : "")}");
                }
                return 0;
            case ["revoke", var which]:
                if (await keys.RevokeAsync(which, ct))
                {
                    await Console.Out.WriteLineAsync($"Revoked '{which}'.");
                    return 0;
                }
                await Console.Error.WriteLineAsync($"No active key '{which}'.");
                return 1;
            default:
                await Console.Error.WriteLineAsync(KeysUsage);
                return 1;
        }
    }

    private static Dictionary<string, string>? Options(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                return null;
            }
            result[args[i][2..]] = args[i + 1];
        }
        return result;
    }
}
