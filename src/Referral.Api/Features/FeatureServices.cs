using Referral.Api.Features.Gaps;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Placements;
using Referral.Api.Features.Places;
using Referral.Api.Features.Referrals;
using Referral.Api.Features.Regions;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;

namespace Referral.Api.Features;

internal static class FeatureServices
{
    /// <summary>The query and write layer shared by REST and GraphQL.</summary>
    public static IServiceCollection AddReferralFeatures(this IServiceCollection services) => services
        .AddScoped<ServiceQueries>()
        .AddScoped<ServiceWriter>()
        .AddScoped<OrganizationQueries>()
        .AddScoped<OrganizationWriter>()
        .AddScoped<ServiceAtLocationQueries>()
        .AddScoped<TaxonomyQueries>()
        .AddScoped<NearestQueries>()
        .AddSingleton<NearestIndex>().AddHostedService(sp => sp.GetRequiredService<NearestIndex>())
        // Replaced by the in-memory origin index when it is registered before (TryAdd): until then, the database answers.
        .TryAddOriginLookup()
        .AddScoped<Borders>()
        .AddScoped<ReferralCardQueries>()
        .AddScoped<CategoryCatalog>()
        .AddScoped<PlaceQueries>()
        .AddScoped<PlaceImport>()
        .AddScoped<RegionQueries>()
        .AddScoped<Imports.Importer>()
        .AddScoped<Exports.ExportQueries>()
        .AddScoped<Ogc.OgcCatalog>()
        .AddScoped<Ogc.OgcFeatures>()
        .AddScoped<Tiles.TileQueries>()
        .AddSingleton<Tiles.TileCache>()
        .AddGapAnalysis()
        .AddPlacements()
        .AddMemoryCache()
        .AddReferralSettings()
        .AddOptions<Tiles.TileSettings>().BindConfiguration("Tiles").ValidateDataAnnotations().ValidateOnStart().Services
        .AddOptions<Infrastructure.ServiceAreaLimits>().BindConfiguration("ServiceAreas").ValidateDataAnnotations().ValidateOnStart().Services;

    private static IServiceCollection TryAddOriginLookup(this IServiceCollection services)
    {
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<IOriginLookup, NoOriginLookup>(services);
        return services;
    }
}
