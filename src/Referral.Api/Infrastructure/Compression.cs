using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace Referral.Api.Infrastructure;

/// <summary>
/// Brotli (preferred) or gzip for the text the API sends — JSON, GeoJSON, CSV, ndjson, ProblemDetails, GraphQL — when the
/// client asks with Accept-Encoding. A referral card shrinks about fivefold. Over HTTPS too: responses hold no secret
/// next to attacker-chosen text (BREACH needs both), and API keys travel in request headers only.
/// </summary>
internal static class Compression
{
    public static readonly string[] MimeTypes =
    [
        "application/json", "application/problem+json", "application/geo+json", "application/x-ndjson",
        "application/graphql-response+json", "application/schema+json", "text/csv", "text/plain", "text/html",
        "text/css", "application/javascript", "text/javascript", "image/svg+xml",
    ];

    public static IServiceCollection AddReferralCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = MimeTypes;
        });
        // Fastest: the answers are small and made per request; the ratio differs little from Optimal on JSON.
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        return services;
    }
}
