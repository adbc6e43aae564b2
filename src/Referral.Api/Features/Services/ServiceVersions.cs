using System.Linq.Expressions;
using System.Text.Json;
using Referral.Api.Features.Access;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Services;

/// <summary>
/// Which version of a service a caller sees (issue 11 item 12): those who may write it (admins, its organization's
/// editors) see its real <c>last_modified</c> and row-version ETag, which change with every write; everybody else sees
/// the public ones, derived from the public view only — the document as an anonymous reader gets it. Lists and the
/// <c>modified_after</c>/<c>datetime</c> filters use the public time for everyone.
/// </summary>
internal static class ServiceVersions
{
    /// <summary>The public time in a query (SQL: <c>coalesce(public_last_modified, last_modified)</c>).</summary>
    public static readonly Expression<Func<Service, DateTimeOffset>> PublicTime = s => s.PublicLastModified ?? s.LastModified;

    public static DateTimeOffset PublicLastModified(Service s) => s.PublicLastModified ?? s.LastModified;

    /// <summary>Whether <paramref name="viewer"/> sees the service's real version (it may change the service).</summary>
    public static bool SeesRealVersion(Actor viewer, Guid organizationId) => viewer.MayWrite(organizationId);

    /// <summary>The last_modified <paramref name="viewer"/> sees.</summary>
    public static DateTimeOffset LastModifiedFor(Service s, Actor viewer) =>
        SeesRealVersion(viewer, s.OrganizationId) ? s.LastModified : PublicLastModified(s);

    /// <summary>The ETag <paramref name="viewer"/> sees: the row version, or one made from the public time alone.</summary>
    public static string ETagFor(uint version, Guid organizationId, DateTimeOffset publicLastModified, Actor viewer) =>
        SeesRealVersion(viewer, organizationId) ? Etags.For(version) : Etags.ForPublic(publicLastModified);

    /// <summary>
    /// Everything of the service an anonymous reader sees, as one string: two states with the same fingerprint look the
    /// same to the public. Confidential locations contribute only their public form (generalised point, label).
    /// </summary>
    public static string PublicFingerprint(Service s)
    {
        var summary = ServiceMapping.Summary(s) with { LastModified = null, Organization = null, Categories = null, VerificationStatus = null };
        return JsonSerializer.Serialize(new
        {
            summary,
            phones = s.Phones.OrderBy(p => p.Id).Select(ServiceMapping.ToDocument),
            schedules = s.Schedules.OrderBy(x => x.Id).Select(x => (x.Id, x.ByDay, x.OpensAt, x.ClosesAt, x.ValidFrom, x.ValidTo, x.TimeZone, x.Description, x.Notes).ToString()),
            areas = s.ServiceAreas.OrderBy(a => a.Id).Select(ServiceMapping.ToDocument),
            attributes = s.Attributes.OrderBy(a => a.TaxonomyTermId).Select(a => (a.Id, a.TaxonomyTermId, a.Value).ToString()),
            locations = s.ServiceAtLocations.OrderBy(x => x.Id).Select(x => ServiceMapping.ToDocument(x, Actor.Anonymous)).OfType<ServiceAtLocationDocument>(),
        }, JsonSetup.Options);
    }
}
