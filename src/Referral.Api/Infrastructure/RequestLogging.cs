using System.Diagnostics;
using System.Globalization;

namespace Referral.Api.Infrastructure;

/// <summary>
/// Our one request log line. It never holds a searcher's precise position: lat/lng-like query values are rounded
/// to 2 decimals (about 1 km), other query values are dropped, and bodies are never logged. The framework's own
/// request logging (which would print full URLs) is kept at Warning in code, whatever the configuration says.
/// </summary>
internal static class RequestLogging
{
    private static readonly HashSet<string> Coordinates = new(StringComparer.OrdinalIgnoreCase) { "lat", "lng", "latitude", "longitude" };

    public static ILoggingBuilder AddReferralLogFilters(this ILoggingBuilder logging) => logging
        .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning)
        .AddFilter("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Warning)
        .AddFilter("Microsoft.AspNetCore.Http.Result", LogLevel.Warning);

    public static IApplicationBuilder UseReferralRequestLogging(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            // The line is built only when it is written: at the production level (Warning) a request pays nothing for it.
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Referral.Requests");
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("{Method} {Path} {Query} → {Status} in {Elapsed:0.0} ms",
                    http.Request.Method, http.Request.Path.Value, SafeQuery(http.Request.Query), http.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    });

    internal static string SafeQuery(IQueryCollection query) => string.Join('&', query
        .Where(q => Coordinates.Contains(q.Key) || q.Key is "category" or "limit" or "page" or "per_page")
        .Select(q => Coordinates.Contains(q.Key)
            ? $"{q.Key}={(double.TryParse(q.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? Math.Round(v, 2).ToString("0.00", CultureInfo.InvariantCulture) : "?")}"
            : $"{q.Key}={FieldErrors.Clip(q.Value.ToString())}"));
}
