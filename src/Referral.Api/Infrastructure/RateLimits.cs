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
}

/// <summary>
/// ASP.NET Core's built-in limiter: per key (authenticated) or per client address (anonymous, tighter), and a
/// separate budget for anonymous feedback. Behind a reverse proxy, enable forwarded headers so the address is the client's.
/// </summary>
internal static class RateLimits
{
    public static IServiceCollection AddReferralRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection("RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var authenticated = http.User.Identity?.IsAuthenticated == true;
                var partition = authenticated ? "key:" + http.User.Identity!.Name : "ip:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = authenticated ? limits.AuthenticatedPerMinute : limits.AnonymousPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                });
            });
            o.AddPolicy(FeedbackEndpoints.RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                "feedback:" + http.Connection.RemoteIpAddress,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.FeedbackPerHour, Window = TimeSpan.FromHours(1) }));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.Of(429, ErrorCodes.TooManyRequests, "Too many requests",
                    $"Slow down; try again in {(int)Math.Ceiling(retry.TotalSeconds)} s.").ExecuteAsync(http);
            };
        });
        return services;
    }
}
