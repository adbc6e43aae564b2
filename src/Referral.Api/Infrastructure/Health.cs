using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Referral.Api.Data;

namespace Referral.Api.Infrastructure;

internal static class Health
{
    public static IServiceCollection AddReferralHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    public static IEndpointRouteBuilder MapReferralHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }
}

/// <summary>Ready when the database answers and PostGIS is installed in it.</summary>
internal sealed class DatabaseHealthCheck(ReferralDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var version = await db.Database.SqlQueryRaw<string>("SELECT postgis_lib_version() AS \"Value\"").FirstAsync(timeout.Token);
            return HealthCheckResult.Healthy($"PostGIS {version}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Database or PostGIS unavailable.");
        }
    }
}
