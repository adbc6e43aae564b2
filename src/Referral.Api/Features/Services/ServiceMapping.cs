using System.Text.Json;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Services;

internal static class ServiceMapping
{
    public const string CategoryTaxonomy = "referral-category";

    /// <summary>
    /// The fully nested HSDS document as <paramref name="viewer"/> may see it (DESIGN.md "Confidentiality",
    /// <see cref="Access.Actor.SeesExact(Locations.Location)"/>): hidden locations left out, approximate ones generalised.
    /// </summary>
    public static ServiceDocument ToDocument(Service s, Access.Actor viewer, DateTimeOffset now) => Summary(s) with
    {
        LastModified = ServiceVersions.LastModifiedFor(s, viewer),
        Organization = s.Organization is { } o ? OrganizationMapping.ToDocument(o) : null,
        Phones = [.. s.Phones.OrderBy(p => p.Id).Select(p => ToDocument(p))],
        Schedules = [.. s.Schedules.OrderBy(x => x.Id).Select(x => ToDocument(x, now))],
        ServiceAreas = [.. s.ServiceAreas.OrderBy(a => a.Id).Select(ToDocument)],
        ServiceAtLocations = [.. s.ServiceAtLocations
            .OrderBy(x => x.Id)
            .Select(x => ToDocument(x, viewer))
            .OfType<ServiceAtLocationDocument>()],
        Languages = [.. s.Languages.Select(code => Language(s.Id, code))],
        Attributes = [.. s.Attributes.OrderBy(a => a.Id).Select(ToDocument)],
        Categories = Categories(s),
    };

    /// <summary>The flat part of a service, as list endpoints return it (with the public last_modified: <see cref="ServiceVersions"/>).</summary>
    public static ServiceDocument Summary(Service s) => new()
    {
        Id = s.Id,
        OrganizationId = s.OrganizationId,
        Name = s.Name,
        AlternateName = s.AlternateName,
        Description = s.Description,
        Url = s.Url,
        Email = s.Email,
        Status = s.Status,
        InterpretationServices = s.InterpretationServices,
        ApplicationProcess = s.ApplicationProcess,
        FeesDescription = s.FeesDescription,
        EligibilityDescription = s.EligibilityDescription,
        MinimumAge = s.MinimumAge,
        MaximumAge = s.MaximumAge,
        AssuredDate = s.AssuredDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        AssurerEmail = s.AssurerEmail,
        Alert = s.Alert,
        LastModified = ServiceVersions.PublicLastModified(s),
        IsFree = s.IsFree,
        Available247 = s.Available24x7,
        Genders = s.Genders,
        DeliveryModes = s.DeliveryModes,
        Audience = s.Audience,
        Platforms = s.Platforms,
        Categories = s.Attributes.Count > 0 ? Categories(s) : null,
        Demo = s.IsDemo ? true : null,
        VerificationStatus = Freshness.Status(s.AssuredDate, DateTimeOffset.UtcNow),
        Organization = s.Organization is { } o ? OrganizationMapping.ToDocument(o) : null,
        Languages = [.. s.Languages.Select(code => Language(s.Id, code))],
    };

    private static string[] Categories(Service s) =>
        [.. s.Attributes
            .Where(a => a.TaxonomyTerm?.Taxonomy?.Name == CategoryTaxonomy)
            .Select(a => a.TaxonomyTerm!.Code)
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// A service at a location as <paramref name="viewer"/> may see it, or null when its location is hidden from it.
    /// Its description speaks about the place, so it goes wherever the location's own free text goes.
    /// </summary>
    public static ServiceAtLocationDocument? ToDocument(ServiceAtLocation sal, Access.Actor viewer)
    {
        if (sal.Location is not { } l || LocationMapping.ToDocument(l, viewer) is not { } location)
        {
            return null;
        }
        return new()
        {
            Id = sal.Id,
            ServiceId = sal.ServiceId,
            LocationId = sal.LocationId,
            Description = viewer.SeesExact(l) ? sal.Description : null,
            Location = location,
        };
    }

    internal static PhoneDocument ToDocument(Phone p) => new()
    {
        Id = p.Id,
        ServiceId = p.ServiceId,
        Number = p.Number,
        Extension = p.Extension,
        Type = p.Type,
        Description = p.Description,
        Languages = [.. p.Languages.Select(code => new LanguageDocument
        {
            Id = DeterministicGuid.Create(p.Id, "language:" + code),
            PhoneId = p.Id,
            Code = code,
            Name = LanguageNames.Name(code),
        })],
    };

    private static LanguageDocument Language(Guid serviceId, string code) => new()
    {
        Id = DeterministicGuid.Create(serviceId, "language:" + code),
        ServiceId = serviceId,
        Code = code,
        Name = LanguageNames.Name(code),
    };

    private static ScheduleDocument ToDocument(Schedule x, DateTimeOffset now) => new()
    {
        Id = x.Id,
        ServiceId = x.ServiceId,
        Freq = "WEEKLY",
        Byday = x.ByDay,
        OpensAt = x.OpensAt?.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
        ClosesAt = x.ClosesAt?.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
        ValidFrom = x.ValidFrom?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ValidTo = x.ValidTo?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        Timezone = TimeZones.OffsetHours(x.TimeZone, now),
        TimeZone = x.TimeZone,
        Description = x.Description,
        Notes = x.Notes,
    };

    internal static ServiceAreaDocument ToDocument(ServiceArea a) => new()
    {
        Id = a.Id,
        ServiceId = a.ServiceId,
        Name = a.Name,
        Description = a.Description,
        Extent = a.Extent is null ? null : JsonSerializer.SerializeToElement(JsonSerializer.Serialize<NetTopologySuite.Geometries.Geometry>(a.Extent, JsonSetup.Options)),
        ExtentType = a.Extent is null ? null : "geojson",
        RegionCodes = a.RegionCodes,
    };

    private static AttributeDocument ToDocument(ServiceAttribute a) => new()
    {
        Id = a.Id,
        LinkId = a.ServiceId,
        LinkType = "service",
        LinkEntity = "service",
        TaxonomyTermId = a.TaxonomyTermId,
        Value = a.Value,
        TaxonomyTerm = a.TaxonomyTerm is { } t ? TaxonomyMapping.ToDocument(t) : null,
    };
}
