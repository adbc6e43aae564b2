using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Services;

/// <summary>HSDS <c>GET /services</c> filters.</summary>
internal sealed record ServiceListQuery(
    [property: Description("Full-text search over service and organization names and descriptions (accent-insensitive).")][FromQuery(Name = "search")] string? Search = null,
    [property: Description("Only services linked to this taxonomy term.")][FromQuery(Name = "taxonomy_term_id")] Guid? TaxonomyTermId = null,
    [property: Description("Only services linked to a term of this taxonomy.")][FromQuery(Name = "taxonomy_id")] Guid? TaxonomyId = null,
    [property: Description("Only services of this organization.")][FromQuery(Name = "organization_id")] Guid? OrganizationId = null,
    [property: Description("Only services modified after this instant (ISO 8601).")][FromQuery(Name = "modified_after")] DateTimeOffset? ModifiedAfter = null,
    [property: Description("Leave out services not verified within the freshness window (default 365 days).")][FromQuery(Name = "exclude_stale")] bool? ExcludeStale = null,
    [property: Description("Only services at a location with this postal code (HSDS postcode; spaces and case ignored; only locations the caller sees exactly).")][FromQuery(Name = "postcode")] string? Postcode = null,
    [property: Description("1-based page number.")][FromQuery(Name = "page")] int? Page = null,
    [property: Description("Items per page (default 50, capped at 100).")][FromQuery(Name = "per_page")] int? PerPage = null);

/// <summary>What a list item carries (HSDS 3.1 list parameters).</summary>
internal enum ServiceListShape
{
    /// <summary>The flat service with its organization and categories (the default).</summary>
    Summary,

    /// <summary><c>minimal=true</c>: the service's own fields only, no nested organization, languages or taxonomy.</summary>
    Minimal,

    /// <summary><c>full=true</c>: fully nested, as <c>GET /api/services/{id}</c> (hidden locations left out as there).</summary>
    Full,
}

/// <summary>Postal codes compared as HSDS clients write them: spaces and case ignored.</summary>
internal static class Postcodes
{
    public const string Rule = "must be a postal code: letters, digits, spaces and hyphens, at most 16 characters.";

    /// <summary>The code without spaces, or null when absent; only letters, digits and hyphens, so it is safe as an ILIKE pattern.</summary>
    public static string? Normalize(string? postcode) =>
        string.IsNullOrWhiteSpace(postcode) || !IsValid(postcode) ? null : postcode.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();

    public static bool IsValid(string? postcode) =>
        postcode is null || (postcode.Length <= 16 && postcode.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '-'));
}

/// <summary>Read side of services, shared by REST and GraphQL.</summary>
internal sealed class ServiceQueries(ReferralDbContext db, TimeProvider clock, Access.ActorContext actor)
{
    /// <summary>The list's filters (search, taxonomy term or taxonomy, organization, modified after, freshness), shared with ndjson exports.</summary>
    internal static IQueryable<Service> Filter(IQueryable<Service> services, ServiceListQuery q, DateTimeOffset now, Access.Actor viewer)
    {
        if (Postcodes.Normalize(q.Postcode) is { } postcode)
        {
            // Only addresses the caller sees exactly: a hidden shelter's postcode must not be found by probing.
            var sites = services.SelectMany(s => s.ServiceAtLocations)
                .Where(viewer.SeesExactWhere<ServiceAtLocations.ServiceAtLocation>(x => x.Location!))
                .Where(x => x.Location!.Addresses.Any(a => a.PostalCode != null && EF.Functions.ILike(a.PostalCode.Replace(" ", ""), postcode)))
                .Select(x => x.ServiceId);
            services = services.Where(s => sites.Contains(s.Id));
        }
        services = services.Matching(q.Search);
        if (q.TaxonomyTermId is { } termId)
        {
            services = services.Where(s => s.Attributes.Any(a => a.TaxonomyTermId == termId));
        }
        if (q.TaxonomyId is { } taxonomyId)
        {
            services = services.Where(s => s.Attributes.Any(a => a.TaxonomyTerm!.TaxonomyId == taxonomyId));
        }
        if (q.OrganizationId is { } orgId)
        {
            services = services.Where(s => s.OrganizationId == orgId);
        }
        if (q.ModifiedAfter is { } after)
        {
            var utc = after.ToUniversalTime();
            services = services.Where(s => (s.PublicLastModified ?? s.LastModified) > utc);
        }
        if (q.ExcludeStale == true)
        {
            var cutoff = Freshness.Cutoff(now);
            services = services.Where(s => s.AssuredDate == null || s.AssuredDate >= cutoff);
        }
        return services;
    }

    public async Task<Page<ServiceDocument>> ListAsync(ServiceListQuery q, PageRequest page, CancellationToken ct, ServiceListShape shape = ServiceListShape.Summary)
    {
        var services = Filter(db.Services.AsNoTracking(), q, clock.GetUtcNow(), actor.Current);
        var total = await services.CountAsync(ct);
        var ordered = q.Search is { Length: > 0 } search
            ? services.ByRelevance(search).ThenBy(s => s.Name).ThenBy(s => s.Id)
            : services.OrderBy(s => s.Name).ThenBy(s => s.Id);
        var window = ordered.Skip(page.Skip).Take(page.Size);
        if (shape == ServiceListShape.Minimal)
        {
            var flat = await window.ToListAsync(ct);
            return Page<ServiceDocument>.Create([.. flat.Select(s => ServiceMapping.Summary(s) with { Organization = null, Languages = null })], total, page);
        }
        if (shape == ServiceListShape.Full)
        {
            var full = await Full(window).ToListAsync(ct);
            var now = clock.GetUtcNow();
            return Page<ServiceDocument>.Create([.. full.Select(s => ServiceMapping.ToDocument(s, actor.Current, now))], total, page);
        }
        var rows = await window
            .Include(s => s.Organization)
            .Include(s => s.Attributes).ThenInclude(a => a.TaxonomyTerm!).ThenInclude(t => t.Taxonomy)
            .AsSplitQuery()
            .ToListAsync(ct);
        return Page<ServiceDocument>.Create([.. rows.Select(ServiceMapping.Summary)], total, page);
    }

    /// <summary>The fully nested document as the caller may see it, and the ETag it sees (<see cref="ServiceVersions"/>), or null.</summary>
    public async Task<(ServiceDocument Document, string ETag)?> FindAsync(Guid id, CancellationToken ct)
    {
        var service = await Full(db.Services.AsNoTracking()).FirstOrDefaultAsync(s => s.Id == id, ct);
        return service is null ? null : (ServiceMapping.ToDocument(service, actor.Current, clock.GetUtcNow()),
            ServiceVersions.ETagFor(service.Version, service.OrganizationId, ServiceVersions.PublicLastModified(service), actor.Current));
    }

    public static IQueryable<Service> Full(IQueryable<Service> services) => services
        .Include(s => s.Organization)
        .Include(s => s.Phones)
        .Include(s => s.Schedules)
        .Include(s => s.ServiceAreas)
        .Include(s => s.Attributes).ThenInclude(a => a.TaxonomyTerm!).ThenInclude(t => t.Taxonomy)
        .Include(s => s.ServiceAtLocations).ThenInclude(x => x.Location!).ThenInclude(l => l.Addresses)
        .AsSplitQuery();
}
