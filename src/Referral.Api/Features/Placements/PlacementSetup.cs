using Referral.Api.Features.Jobs;

namespace Referral.Api.Features.Placements;

internal static class PlacementSetup
{
    /// <summary>Placements: settings (section <c>Placements</c>), the query/write layer, the queue and its worker, the access policy.</summary>
    public static IServiceCollection AddPlacements(this IServiceCollection services)
    {
        services.AddOptions<PlacementSettings>().BindConfiguration("Placements").ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<PlacementRunner>().AddScoped<PlacementService>().AddScoped<PlacementQueries>();
        services.AddJobKind("placement", "placement", (sp, id, lease, ct) => sp.GetRequiredService<PlacementRunner>().RunAsync(id, lease, null, ct));
        services.AddAuthorizationBuilder().AddPlacementPolicy();
        return services;
    }
}
