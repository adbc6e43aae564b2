using System.Globalization;
using System.Threading.RateLimiting;
using Referral.Api.Features.Feedback;

namespace Referral.Api.Infrastructure;

internal sealed class RateLimitOptions
{
    /// <summary>Requests per minute per client address without credentials.</summary>
    public int AnonymousPerMinute { get; set; } = 120;

    /// <summary>Requests per minute per API key or token subject.</summary>
    public int AuthenticatedPerMinute { get; set; } = 1200;

    /// <summary>Feedback reports per hour per client address.</summary>
    public int FeedbackPerHour { get; set; } = 10;

    /// <summary>Expensive requests (nearest, referral, proximity lists, exports, ndjson, GraphQL, gap analyses and their exports, placements) one client may run at once.</summary>
    public int ExpensiveConcurrency { get; set; } = 2;

    /// <summary>Expensive requests of one client that wait for a free slot; beyond them the answer is 429.</summary>
    public int ExpensiveQueue { get; set; } = 4;
}

/// <summary>
/// ASP.NET Core's built-in limiter, two limits chained per client (the API key, else the address): a token bucket of
/// requests per minute (a burst of a minute's budget, refilled every second), and a concurrency limit on the expensive
/// endpoints, so that a few clients hammering nearest or GraphQL cannot take every database connection from the others.
/// A separate budget covers anonymous feedback. Behind a reverse proxy, enable forwarded headers so the address is the client's.
/// </summary>
internal static class RateLimits
{
    /// <summary>The ProblemDetails <c>type</c> of a 429 (RFC 6585).</summary>
    public const string ProblemType = "https://www.rfc-editor.org/rfc/rfc6585#section-4";

    public static IServiceCollection AddReferralRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection("RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http =>
                {
                    var (partition, authenticated) = Client(http);
                    return RateLimitPartition.GetTokenBucketLimiter(partition, _ => Bucket(authenticated ? limits.AuthenticatedPerMinute : limits.AnonymousPerMinute));
                }),
                PartitionedRateLimiter.Create<HttpContext, string>(http => IsExpensive(http.Request)
                    ? RateLimitPartition.GetConcurrencyLimiter("expensive:" + Client(http).Partition, _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = Math.Max(1, limits.ExpensiveConcurrency),
                        QueueLimit = Math.Max(0, limits.ExpensiveQueue),
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    })
                    : RateLimitPartition.GetNoLimiter("cheap")));
            o.AddPolicy(FeedbackEndpoints.RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                "feedback:" + http.Connection.RemoteIpAddress,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.FeedbackPerHour, Window = TimeSpan.FromHours(1) }));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                // The token bucket knows when the next token comes; a concurrency slot frees when one of the client's own
                // requests ends, which is about a second for the expensive endpoints.
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                    detail: $"Slow down; try again in {seconds} s.", statusCode: 429, title: "Too many requests", type: ProblemType,
                    extensions: new Dictionary<string, object?> { ["code"] = ErrorCodes.TooManyRequests }).ExecuteAsync(http);
            };
        });
        return services;
    }

    private static (string Partition, bool Authenticated) Client(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true ? ("key:" + http.User.Identity.Name, true) : ("ip:" + http.Connection.RemoteIpAddress, false);

    /// <summary>A minute's budget as a burst, refilled every second (or one token per 60/perMinute seconds below 60 a minute).</summary>
    private static TokenBucketRateLimiterOptions Bucket(int perMinute)
    {
        perMinute = Math.Max(1, perMinute);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = Math.Max(1, perMinute / 60),
            ReplenishmentPeriod = perMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / perMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>
    /// Requests whose database cost grows with the data: searches around a point, whole-directory streams, GraphQL, analyses
    /// and placements, and a gap analysis's exports (every settlement of its dataset).
    /// </summary>
    internal static bool IsExpensive(HttpRequest request)
    {
        var path = request.Path;
        return path.StartsWithSegments("/api/nearest") || path.StartsWithSegments("/api/referral")
            || path.StartsWithSegments("/api/exports") || path.StartsWithSegments("/graphql")
            || ((path.StartsWithSegments("/api/gap_analyses") || path.StartsWithSegments("/api/placements")) && HttpMethods.IsPost(request.Method))
            || (path.StartsWithSegments("/api/gap_analyses") && path.Value is { } p && (p.EndsWith(".geojson", StringComparison.Ordinal) || p.EndsWith(".csv", StringComparison.Ordinal)))
            || (path.StartsWithSegments("/api/service_at_locations") && request.Query.ContainsKey("lat"))
            || (request.Query.TryGetValue("format", out var format) && format == "ndjson");
    }
}
