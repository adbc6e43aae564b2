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
        .AddHostedService<CardPreloader>()
        .AddSingleton<OriginIndex>().AddHostedService(sp => sp.GetRequiredService<OriginIndex>())
        .AddSingleton<IOriginLookup>(sp => sp.GetRequiredService<OriginIndex>())
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
}
