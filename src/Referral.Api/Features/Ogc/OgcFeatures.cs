using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using Referral.Api.Data;
using Referral.Api.Features.Access;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Ogc;

/// <summary>How many features matched (before paging; null when more than <see cref="OgcFeatures.CountLimit"/>) and how many were written.</summary>
internal readonly record struct OgcCounts(int? Matched, int Returned);

/// <summary>
/// Reads and writes the features of each collection. Services come from the same rows as <c>/api/service_at_locations</c>
/// (<see cref="ServiceAtLocationQueries.Visible"/>) and are placed by <see cref="Actor.SeesExact(Guid?, string)"/>; gap analyses are
/// written by <see cref="GapExports"/>, so their figures are those of the exports.
/// </summary>
internal sealed class OgcFeatures(ReferralDbContext db, ServiceAtLocationQueries serviceAtLocations, ActorContext actor,
    GapQueries gaps, GapExports gapExports)
{
    /// <summary>
    /// Matches are counted up to this many: an exact count of a large box (a capital's tens of thousands of services)
    /// costs more than the page itself, so beyond it <c>numberMatched</c> is left out, as the standard allows.
    /// </summary>
    public const int CountLimit = 1_000;

    private static async Task<int?> CountAsync<T>(IQueryable<T> rows, CancellationToken ct)
    {
        var n = await rows.Take(CountLimit + 1).CountAsync(ct);
        return n > CountLimit ? null : n;
    }

    public async Task<OgcCounts> WriteAsync(OgcCollection collection, OgcItemsRequest request, string? featureId,
        Utf8JsonWriter json, Func<Task> flush, CancellationToken ct)
    {
        switch (collection.Kind)
        {
            case OgcKind.Services:
                return await WriteServicesAsync(request, featureId, json, ct);
            case OgcKind.Regions:
                return await WriteRegionsAsync(request, featureId, json, ct);
            case OgcKind.Places:
                return await WritePlacesAsync(request, featureId, json, ct);
            case OgcKind.Demand:
                return await WriteDemandAsync(collection.SourceId!.Value, request, featureId, json, ct);
            default:
                var analysis = await gaps.FindAsync(collection.SourceId!.Value, withResults: true, ct);
                if (analysis?.Results is null)
                {
                    return default;
                }
                var filter = new GapFeatureFilter(request.Box, request.Offset, request.Limit, featureId);
                if (collection.Kind == OgcKind.GapSettlements)
                {
                    if (featureId is not null && !Guid.TryParse(featureId, out _))
                    {
                        return default;
                    }
                    var matched = await gapExports.CountPointsAsync(analysis, filter, ct);
                    var written = await gapExports.WritePointFeaturesAsync(analysis, filter, json, flush, ct);
                    return new OgcCounts(matched, written);
                }
                var (m, w) = await gapExports.WriteRegionFeaturesAsync(analysis, filter, json, flush, ct);
                return new OgcCounts(m, w);
        }
    }

    private sealed record ServiceRow(
        Guid Id, Guid ServiceId, Guid LocationId, string ServiceName, Guid OrganizationId, string OrganizationName, string Status,
        int? MinimumAge, int? MaximumAge, string[] Languages, DateTimeOffset LastModified, List<string> Categories,
        string? LocationName, string LocationType, string Visibility, Guid? LocationOrganizationId, Point? Point, Point? PublicPoint,
        bool IsDemo, string? Address1, string? City, string? PostalCode, string? Country);

    private async Task<OgcCounts> WriteServicesAsync(OgcItemsRequest r, string? featureId, Utf8JsonWriter json, CancellationToken ct)
    {
        var viewer = actor.Current;
        var rows = serviceAtLocations.Visible;
        if (featureId is not null)
        {
            if (!Guid.TryParse(featureId, out var id))
            {
                return default;
            }
            rows = rows.Where(x => x.Id == id);
        }
        if (r.Category is { } category)
        {
            rows = rows.Where(x => x.Service!.Attributes.Any(a =>
                a.TaxonomyTerm!.Code == category && a.TaxonomyTerm.Taxonomy!.Name == ServiceMapping.CategoryTaxonomy));
        }
        if (r.Status is { } status)
        {
            rows = rows.Where(x => x.Service!.Status == status);
        }
        if (r.Language is { } language)
        {
            rows = rows.Where(x => x.Service!.Languages.Contains(language));
        }
        if (r.Age is { } age)
        {
            rows = rows.Where(x => (x.Service!.MinimumAge == null || x.Service.MinimumAge <= age) && (x.Service.MaximumAge == null || x.Service.MaximumAge >= age));
        }
        if (r.OrganizationId is { } org)
        {
            rows = rows.Where(x => x.Service!.OrganizationId == org);
        }
        if (r.From is { } from)
        {
            var utc = from.ToUniversalTime();
            rows = rows.Where(x => (x.Service!.PublicLastModified ?? x.Service.LastModified) >= utc);
        }
        if (r.To is { } to)
        {
            var utc = to.ToUniversalTime();
            rows = rows.Where(x => (x.Service!.PublicLastModified ?? x.Service.LastModified) <= utc);
        }

        List<ServiceRow> page;
        int? matched;
        if (!viewer.IsPrivileged)
        {
            // The public sees every row at its public point (null when hidden), so the box selects on that point in SQL.
            rows = rows.Where(x => x.Location!.PublicPoint != null);
            if (r.Box is { } box)
            {
                rows = WithinBox(rows, box, exact: false);
            }
            matched = await CountAsync(rows, ct);
            page = await Project(rows.OrderBy(x => x.Id).Skip(r.Offset).Take(r.Limit)).ToListAsync(ct);
        }
        else if (r.Box is { } box)
        {
            // A privileged caller sees some rows exactly and others at the public point (Actor.SeesExact): the box must
            // select on the point shown, or a box test on the exact point would reveal where a generalised site lies.
            // So the candidates near either point are placed here, and counted and paged after.
            var candidates = await Project(WithinBox(rows.Where(x => x.Location!.Point != null), box, exact: null)).ToListAsync(ct);
            var inBox = candidates
                .Where(c => Shown(c, viewer) is { } p && box.Contains(p.X, p.Y))
                .OrderBy(c => c.Id)
                .ToList();
            matched = inBox.Count;
            page = [.. inBox.Skip(r.Offset).Take(r.Limit)];
        }
        else
        {
            rows = rows.Where(x => x.Location!.Point != null);
            matched = await CountAsync(rows, ct);
            page = await Project(rows.OrderBy(x => x.Id).Skip(r.Offset).Take(r.Limit)).ToListAsync(ct);
        }

        foreach (var row in page)
        {
            WriteService(json, row, viewer);
        }
        return new OgcCounts(matched, page.Count);
    }

    /// <summary>Rows whose public point (<paramref name="exact"/> false), exact point (true) or either (null) lies in the box.</summary>
    private static IQueryable<ServiceAtLocation> WithinBox(IQueryable<ServiceAtLocation> rows, OgcBox box, bool? exact)
    {
        var parts = box.Parts.ToArray();
        var (a, b) = (parts[0], parts.Length > 1 ? parts[1] : parts[0]);
        return exact switch
        {
            true => rows.Where(x => SqlFunctions.InBox(x.Location!.Point!, a.MinLongitude, a.MinLatitude, a.MaxLongitude, a.MaxLatitude)
                || SqlFunctions.InBox(x.Location!.Point!, b.MinLongitude, b.MinLatitude, b.MaxLongitude, b.MaxLatitude)),
            false => rows.Where(x => SqlFunctions.InBox(x.Location!.PublicPoint!, a.MinLongitude, a.MinLatitude, a.MaxLongitude, a.MaxLatitude)
                || SqlFunctions.InBox(x.Location!.PublicPoint!, b.MinLongitude, b.MinLatitude, b.MaxLongitude, b.MaxLatitude)),
            null => rows.Where(x => SqlFunctions.InBox(x.Location!.Point!, a.MinLongitude, a.MinLatitude, a.MaxLongitude, a.MaxLatitude)
                || SqlFunctions.InBox(x.Location!.Point!, b.MinLongitude, b.MinLatitude, b.MaxLongitude, b.MaxLatitude)
                || SqlFunctions.InBox(x.Location!.PublicPoint!, a.MinLongitude, a.MinLatitude, a.MaxLongitude, a.MaxLatitude)
                || SqlFunctions.InBox(x.Location!.PublicPoint!, b.MinLongitude, b.MinLatitude, b.MaxLongitude, b.MaxLatitude)),
        };
    }

    private static IQueryable<ServiceRow> Project(IQueryable<ServiceAtLocation> rows) => rows.Select(x => new ServiceRow(
        x.Id, x.ServiceId, x.LocationId, x.Service!.Name, x.Service.OrganizationId, x.Service.Organization!.Name, x.Service.Status,
        x.Service.MinimumAge, x.Service.MaximumAge, x.Service.Languages, x.Service.PublicLastModified ?? x.Service.LastModified,
        x.Service.Attributes.Where(a => a.TaxonomyTerm!.Taxonomy!.Name == ServiceMapping.CategoryTaxonomy).Select(a => a.TaxonomyTerm!.Code).ToList(),
        x.Location!.Name, x.Location.LocationType, x.Location.Visibility, x.Location.OrganizationId, x.Location.Point, x.Location.PublicPoint,
        x.Service.IsDemo || x.Location.IsDemo,
        x.Location.Addresses.OrderBy(a => a.Id).Select(a => a.Address1).FirstOrDefault(),
        x.Location.Addresses.OrderBy(a => a.Id).Select(a => a.City).FirstOrDefault(),
        x.Location.Addresses.OrderBy(a => a.Id).Select(a => a.PostalCode).FirstOrDefault(),
        x.Location.Addresses.OrderBy(a => a.Id).Select(a => a.Country).FirstOrDefault()));

    /// <summary>Whether the caller sees this row's exact place: the one rule, <see cref="Actor.SeesExact(Guid?, string)"/>.</summary>
    private static bool SeesExact(ServiceRow row, Actor viewer) => viewer.SeesExact(row.LocationOrganizationId, row.Visibility);

    private static Point? Shown(ServiceRow row, Actor viewer) => SeesExact(row, viewer) ? row.Point : row.PublicPoint;

    private static void WriteService(Utf8JsonWriter json, ServiceRow row, Actor viewer)
    {
        var exact = SeesExact(row, viewer);
        var shown = exact ? row.Point : row.PublicPoint;
        // As LocationMapping does for the public: a generalised place carries neither its address nor its free text.
        var generalised = !exact && row.Visibility != Confidentiality.Public;
        json.WriteStartObject();
        json.WriteString("type", "Feature");
        json.WriteString("id", row.Id);
        WritePoint(json, shown);
        json.WriteStartObject("properties");
        json.WriteString("service_id", row.ServiceId);
        json.WriteString("service_name", row.ServiceName);
        json.WriteString("organization_id", row.OrganizationId);
        json.WriteString("organization_name", row.OrganizationName);
        json.WriteString("status", row.Status);
        json.WriteString("categories", string.Join(',', row.Categories.Order(StringComparer.Ordinal)));
        json.WriteString("languages", string.Join(',', row.Languages));
        WriteNumber(json, "minimum_age", row.MinimumAge);
        WriteNumber(json, "maximum_age", row.MaximumAge);
        json.WriteString("location_id", row.LocationId);
        json.WriteString("location_type", row.LocationType);
        json.WriteString("location_name", generalised ? null : row.LocationName);
        json.WriteString("address", generalised ? null : Address(row));
        json.WriteString("visibility", row.Visibility);
        json.WriteBoolean("approximate", generalised);
        json.WriteString("last_modified", row.LastModified.ToUniversalTime());
        json.WriteBoolean("demo", row.IsDemo);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string? Address(ServiceRow row)
    {
        var parts = new[] { row.Address1, row.PostalCode, row.City, row.Country }.Where(p => !string.IsNullOrWhiteSpace(p)).ToArray();
        return parts.Length == 0 ? null : string.Join(", ", parts);
    }

    private async Task<OgcCounts> WriteRegionsAsync(OgcItemsRequest r, string? featureId, Utf8JsonWriter json, CancellationToken ct)
    {
        var regions = db.Regions.AsNoTracking();
        if (featureId is not null)
        {
            regions = regions.Where(x => x.Code == featureId);
        }
        if (r.Box is { } box)
        {
            var parts = box.Parts.ToArray();
            var (a, b) = (parts[0], parts.Length > 1 ? parts[1] : parts[0]);
            regions = regions.Where(x => x.Geometry != null && (SqlFunctions.MeetsBox(x.Geometry, a.MinLongitude, a.MinLatitude, a.MaxLongitude, a.MaxLatitude)
                || SqlFunctions.MeetsBox(x.Geometry, b.MinLongitude, b.MinLatitude, b.MaxLongitude, b.MaxLatitude)));
        }
        var matched = await CountAsync(regions, ct);
        var page = await regions.OrderBy(x => x.Level).ThenBy(x => x.Code).Skip(r.Offset).Take(r.Limit).ToListAsync(ct);
        foreach (var x in page)
        {
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteString("id", x.Code);
            json.WritePropertyName("geometry");
            if (x.Geometry is null)
            {
                json.WriteNullValue();
            }
            else
            {
                JsonSerializer.Serialize<Geometry>(json, x.Geometry, JsonSetup.Options);
            }
            json.WriteStartObject("properties");
            json.WriteString("code", x.Code);
            json.WriteString("name", x.Name);
            json.WriteNumber("level", x.Level);
            json.WriteString("parent_code", x.ParentCode);
            WriteNumber(json, "population", x.Population);
            json.WriteString("area_class", x.AreaClass);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return new OgcCounts(matched, page.Count);
    }

    private async Task<OgcCounts> WritePlacesAsync(OgcItemsRequest r, string? featureId, Utf8JsonWriter json, CancellationToken ct)
    {
        var places = db.Places.AsNoTracking();
        if (featureId is not null)
        {
            if (!Guid.TryParse(featureId, out var id))
            {
                return default;
            }
            places = places.Where(x => x.Id == id);
        }
        if (r.Box is { } box)
        {
            var parts = box.Parts.ToArray();
            var (a, b) = (parts[0], parts.Length > 1 ? parts[1] : parts[0]);
            places = places.Where(x => SqlFunctions.InBox(x.Point, a.MinLongitude, a.MinLatitude, a.MaxLongitude, a.MaxLatitude)
                || SqlFunctions.InBox(x.Point, b.MinLongitude, b.MinLatitude, b.MaxLongitude, b.MaxLatitude));
        }
        var matched = await CountAsync(places, ct);
        var page = await places.OrderBy(x => x.Id).Skip(r.Offset).Take(r.Limit).ToListAsync(ct);
        foreach (var x in page)
        {
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteString("id", x.Id);
            WritePoint(json, x.Point);
            json.WriteStartObject("properties");
            json.WriteString("name", x.Name);
            json.WriteString("country", x.Country);
            json.WriteString("region_code", x.RegionCode);
            json.WriteString("feature_code", x.FeatureCode);
            json.WriteNumber("population", x.Population);
            json.WriteNumber("geonames_id", x.GeonamesId);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return new OgcCounts(matched, page.Count);
    }

    private async Task<OgcCounts> WriteDemandAsync(Guid datasetId, OgcItemsRequest r, string? featureId, Utf8JsonWriter json, CancellationToken ct)
    {
        var points = db.DemandPoints.AsNoTracking().Where(x => x.DatasetId == datasetId);
        if (featureId is not null)
        {
            if (!Guid.TryParse(featureId, out var id))
            {
                return default;
            }
            points = points.Where(x => x.Id == id);
        }
        if (r.Box is { } box)
        {
            var parts = box.Parts.ToArray();
            var (a, b) = (parts[0], parts.Length > 1 ? parts[1] : parts[0]);
            points = points.Where(x => SqlFunctions.InBox(x.Point, a.MinLongitude, a.MinLatitude, a.MaxLongitude, a.MaxLatitude)
                || SqlFunctions.InBox(x.Point, b.MinLongitude, b.MinLatitude, b.MaxLongitude, b.MaxLatitude));
        }
        var matched = await CountAsync(points, ct);
        var page = await points.OrderBy(x => x.Seq).Skip(r.Offset).Take(r.Limit).ToListAsync(ct);
        foreach (var x in page)
        {
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteString("id", x.Id);
            WritePoint(json, x.Point);
            json.WriteStartObject("properties");
            json.WriteString("name", x.Name);
            WriteNumber(json, "population", x.Population);
            json.WriteString("settlement_class", x.SettlementClass);
            json.WriteString("region_code", x.RegionCode);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return new OgcCounts(matched, page.Count);
    }

    private static void WritePoint(Utf8JsonWriter json, Point? point)
    {
        if (point is null)
        {
            json.WriteNull("geometry");
            return;
        }
        json.WriteStartObject("geometry");
        json.WriteString("type", "Point");
        json.WriteStartArray("coordinates");
        json.WriteNumberValue(Math.Round(point.X, 7));
        json.WriteNumberValue(Math.Round(point.Y, 7));
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
