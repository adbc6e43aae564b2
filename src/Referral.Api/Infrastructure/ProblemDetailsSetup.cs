using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Referral.Api.Infrastructure;

internal static class ProblemDetailsSetup
{
    public static IServiceCollection AddReferralProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            // ASP.NET Core adds trace_id itself; we add the stable code every client can switch on.
            var problem = ctx.ProblemDetails;
            problem.Extensions.TryAdd("code", ErrorCodes.ForStatus(problem.Status ?? 500));
            Telemetry.Error(problem.Extensions["code"] as string ?? ErrorCodes.ForStatus(problem.Status ?? 500));
        });
        services.AddExceptionHandler<DatabaseExceptionHandler>();
        // Binding failures (e.g. page=abc) become exceptions so they get a ProblemDetails body with a reason.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }
}

/// <summary>Maps infrastructure exceptions to ProblemDetails; anything else stays a masked 500.</summary>
internal sealed class DatabaseExceptionHandler(IProblemDetailsService problems, ILogger<DatabaseExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>
    /// The database is down, restarting or unreachable: connection failures, timeouts, and the server's own
    /// "shutting down / cannot connect now" errors (SQLSTATE classes 08 and 57), wherever EF wrapped them.
    /// </summary>
    internal static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    // 25006: a write reached a server in recovery (a standby, or a primary being demoted).
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57", StringComparison.Ordinal)
                        || pg.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction;
                case NpgsqlException or TimeoutException or System.Net.Sockets.SocketException:
                    return true;
            }
        }
        return false;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, title, detail) = exception switch
        {
            DbUpdateConcurrencyException => (409, ErrorCodes.Conflict, "Conflict", "The record was changed by someone else; reload it and try again."),
            DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } } =>
                (409, ErrorCodes.Conflict, "Conflict", "A record with the same key already exists."),
            DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } } =>
                (409, ErrorCodes.InUse, "Conflict", "The record is referenced by other records, or refers to one that does not exist."),
            DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.CheckViolation } pg } =>
                (400, ErrorCodes.ValidationFailed, "Validation failed", $"A value breaks the rule {pg.ConstraintName}."),
            BadHttpRequestException b => (b.StatusCode, ErrorCodes.ForStatus(b.StatusCode), "Bad request", b.Message),
            _ when IsDatabaseUnavailable(exception) =>
                (503, ErrorCodes.ServiceUnavailable, "Service unavailable", "The database is not reachable right now; try again shortly."),
            _ => (0, "", "", ""),
        };
        if (status == 0)
        {
            return false;
        }
        if (status >= 500)
        {
            logger.LogWarning(exception, "Request failed with {Status}", status);
            http.Response.Headers.RetryAfter = "5";
        }
        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = status,
                Title = title,
                Detail = detail,
                Extensions = { ["code"] = code },
            },
        });
    }
}
