using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Discovery;

/// <summary>HSDS API reference <c>GET /</c>: which version and profile this API implements, and where its OpenAPI is.</summary>
internal sealed record DiscoveryDocument(string Version, string Profile, string OpenapiUrl, string Description);

internal static class DiscoveryEndpoints
{
    public static IEndpointRouteBuilder MapDiscovery(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api", (HttpRequest request) => TypedResults.Ok(new DiscoveryDocument(
                Version: "3.1",
                Profile: "https://docs.openreferral.org/en/latest/hsds/",
                OpenapiUrl: PublicUrls.Origin(request) + "/swagger/v1/swagger.json",
                Description: "Referral: support services for children facing sexual exploitation and abuse (HSDS 3.1).")))
            .WithName("GetDiscovery").WithTags("Discovery").WithSummary("HSDS discovery document").RequireCors(Cors.PublicRead);
        return app;
    }
}
