namespace Referral.Api.Infrastructure;

internal static class Cors
{
    /// <summary>Public reads may be called from any web page; writes get no CORS headers.</summary>
    public const string PublicRead = "public-read";

    public static IServiceCollection AddReferralCors(this IServiceCollection services) =>
        services.AddCors(o => o.AddPolicy(PublicRead, p => p.AllowAnyOrigin().WithMethods("GET", "HEAD", "OPTIONS").AllowAnyHeader().WithExposedHeaders("ETag")));
}
