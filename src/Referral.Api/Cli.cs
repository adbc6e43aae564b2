using Referral.Api.Data;
using Referral.Api.Data.Seeding;

namespace Referral.Api;

/// <summary>CLI verbs of the same executable: <c>dotnet run --project src/Referral.Api -- seed</c>.</summary>
internal static class Cli
{
    public static readonly string[] Verbs = ["seed", "migrate"];

    public static bool IsVerb(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var verb = args[0];
        var ct = app.Lifetime.ApplicationStopping;
        try
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ReferralDbContext>();
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.MigrateAsync(db.Database, ct);
            if (verb == "seed")
            {
                await scope.ServiceProvider.GetRequiredService<SeedLoader>().RunAsync(ct);
            }
            await Console.Out.WriteLineAsync($"{verb}: done");
            return 0;
        }
        catch (Npgsql.NpgsqlException ex)
        {
            await Console.Error.WriteLineAsync($"{verb}: cannot reach the database ({ex.Message}). Start the local one with `make db`, or set ConnectionStrings__Referral.");
            return 2;
        }
    }
}
