using Referral.Api.Features.Referrals;

namespace Referral.Api.Features.Services;

internal static class ServiceFilters
{
    /// <summary>Active services that fit the child's profile and the caller's constraints (everything but place and time).</summary>
    public static IQueryable<Service> Eligible(this IQueryable<Service> services, ServiceFilter f)
    {
        services = services.Where(s => s.Status == "active");
        if (f.Categories.Length > 0)
        {
            var codes = f.Categories;
            services = services.Where(s => s.Attributes.Any(a =>
                codes.Contains(a.TaxonomyTerm!.Code) && a.TaxonomyTerm.Taxonomy!.Name == ServiceMapping.CategoryTaxonomy));
        }
        if (f.Language is { } language)
        {
            services = services.Where(s => s.Languages.Contains(language));
        }
        if (f.Age is { } age)
        {
            services = services.Where(s => (s.MinimumAge == null || s.MinimumAge <= age) && (s.MaximumAge == null || s.MaximumAge >= age));
        }
        if (f.Gender is { } gender && gender != "any")
        {
            services = services.Where(s => s.Genders.Contains("any") || s.Genders.Contains(gender));
        }
        if (f.Mode is { } mode)
        {
            services = services.Where(s => s.DeliveryModes.Contains(mode));
        }
        if (f.Free is { } free)
        {
            services = services.Where(s => s.IsFree == free);
        }
        if (f.Audience is { } audience)
        {
            services = services.Where(s => s.Audience.Length == 0 || s.Audience.Contains(audience));
        }
        if (f.ExcludeStale)
        {
            var cutoff = Infrastructure.Freshness.Cutoff(f.At);
            services = services.Where(s => s.AssuredDate == null || s.AssuredDate >= cutoff);
        }
        return services.Matching(f.Search);
    }
}
