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
internal sealed partial class DatabaseExceptionHandler(IProblemDetailsService problems, ILogger<DatabaseExceptionHandler> logger) : IExceptionHandler
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

    /// <summary>
    /// PostgreSQL aborted the transaction because of a concurrent one: a deadlock (40P01) or a serialization failure
    /// (40001, also a replica cancelling a read that conflicts with recovery). Nothing was written and the same request
    /// sent again succeeds, so it is a 503 with a short Retry-After, never a 500.
    /// </summary>
    internal static bool IsConcurrencyAbort(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
            {
                return true;
            }
        }
        return false;
    }

    private const string ConcurrencyAbortDetail = "A change made at the same moment stopped this request; nothing was written. Send it again.";

    /// <summary>
    /// What a database failure means for the caller — one table for REST's ProblemDetails and GraphQL's
    /// <c>extensions.code</c>: a conflict or broken rule (4xx), a concurrent change or an unreachable database (503 with
    /// Retry-After); null for anything else (a masked 500 / INTERNAL_ERROR).
    /// </summary>
    internal static DatabaseFailure? Classify(Exception exception) => exception switch
    {
        DbUpdateConcurrencyException => new(409, ErrorCodes.Conflict, "Conflict", "The record was changed by someone else; reload it and try again.", null),
        DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } } =>
            new(409, ErrorCodes.Conflict, "Conflict", "A record with the same key already exists.", null),
        DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } } =>
            new(409, ErrorCodes.InUse, "Conflict", "The record is referenced by other records, or refers to one that does not exist.", null),
        DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.CheckViolation } pg } =>
            new(400, ErrorCodes.ValidationFailed, "Validation failed", $"A value breaks the rule {pg.ConstraintName}.", null),
        _ when IsConcurrencyAbort(exception) => new(503, ErrorCodes.ServiceUnavailable, "Service unavailable", ConcurrencyAbortDetail, "1"),
        _ when IsDatabaseUnavailable(exception) =>
            new(503, ErrorCodes.ServiceUnavailable, "Service unavailable", "The database is not reachable right now; try again shortly.", "5"),
        _ => null,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException bad && BindingFailure(bad.Message, http.Request) is { } field)
        {
            http.Response.StatusCode = 400;
            await Problems.Validation(field.Name, field.Message).ExecuteAsync(http);
            return true;
        }
        var (status, code, title, detail, retryAfter) = exception is BadHttpRequestException b
            ? new DatabaseFailure(b.StatusCode, ErrorCodes.ForStatus(b.StatusCode), "Bad request", b.Message, null)
            : Classify(exception) ?? default;
        if (status == 0)
        {
            return false;
        }
        if (status >= 500)
        {
            logger.LogWarning(exception, "Request failed with {Status}", status);
        }
        if (retryAfter is not null)
        {
            http.Response.Headers.RetryAfter = retryAfter;
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

    /// <summary>
    /// ASP.NET Core's binding failure (<c>Failed to bind parameter "Nullable&lt;double&gt; Lat" from "abc".</c>) as a field error in our
    /// words, keyed by the query parameter the client sent (<c>lat</c>), so it is <c>VALIDATION_FAILED</c> like every other bad value.
    /// </summary>
    internal static (string Name, string Message)? BindingFailure(string message, HttpRequest request)
    {
        var match = BindFailurePattern().Match(message);
        if (!match.Success)
        {
            return null;
        }
        var type = match.Groups["type"].Value;
        var name = match.Groups["name"].Value;
        var snake = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
        var field = request.Query.Keys.FirstOrDefault(k => string.Equals(k, snake, StringComparison.OrdinalIgnoreCase))
            ?? request.Query.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
            ?? snake;
        var inner = type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..^1] : type.TrimEnd('[', ']');
        var what = inner switch
        {
            "double" or "float" or "decimal" or "Double" or "Single" or "Decimal" => "must be a number (a dot for decimals, e.g. 9.93).",
            "int" or "long" or "short" or "Int32" or "Int64" or "Int16" => "must be a whole number.",
            "bool" or "Boolean" => "must be true or false.",
            "Guid" => "must be a UUID.",
            "DateTimeOffset" or "DateTime" => "must be an ISO 8601 date and time, e.g. 2026-11-30T21:30:00-06:00.",
            "DateOnly" => "must be a date in the form YYYY-MM-DD.",
            _ => "has a value of the wrong type.",
        };
        return (field, $"'{FieldErrors.Clip(match.Groups["value"].Value)}' {what}");
    }

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?<type>[^\" ]+) (?<name>[^\"]+)\" from \"(?<value>.*)\"\\.?$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex BindFailurePattern();
}

/// <summary>A database failure as the caller sees it: HTTP status, stable code, title, detail, and Retry-After (seconds) when worth retrying.</summary>
internal readonly record struct DatabaseFailure(int Status, string Code, string Title, string Detail, string? RetryAfter);
