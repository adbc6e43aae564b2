using Referral.Api.Features.Demand;
using Referral.Api.Features.Jobs;

namespace Referral.Api.Features.Gaps;

internal static class GapSetup
{
    /// <summary>Gap analysis and its inputs: settings (section <c>Gaps</c>), the query/write layer, the queue and its worker.</summary>
    public static IServiceCollection AddGapAnalysis(this IServiceCollection services)
    {
        services.AddOptions<GapSettings>().BindConfiguration("Gaps").ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<DemandQueries>().AddScoped<DemandWriter>().AddScoped<DemandImporter>().AddScoped<RegionImport>();
        services.AddScoped<GapRunner>().AddScoped<GapService>().AddScoped<GapQueries>().AddScoped<GapExports>();
        services.AddJobs();
        services.AddJobKind("gap_analysis", "gap_analysis", (sp, id, lease, ct) => sp.GetRequiredService<GapRunner>().RunAsync(id, lease, null, ct));
        return services;
    }
}
