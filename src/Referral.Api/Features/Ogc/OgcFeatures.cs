using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Access;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.Regions;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Ogc;

/// <summary>
/// How many features matched (before paging; null when the page cannot tell), how many were written, and whether more
/// follow this page.
/// </summary>
internal readonly record struct OgcCounts(int? Matched, int Returned, bool More);

/// <summary>
/// Reads and writes the features of each collection. Services come from the same rows as <c>/api/service_at_locations</c>
/// (<see cref="ServiceAtLocationQueries.Visible"/>) and are placed by <see cref="Actor.SeesExact(Guid?, string)"/>; gap analyses are
/// written by <see cref="GapExports"/>, so their figures are those of the exports.
/// </summary>
internal sealed class OgcFeatures(ReferralDbContext db, ServiceAtLocationQueries serviceAtLocations, ActorContext actor,
    GapQueries gaps, GapExports gapExports)
{
    /// <summary>
    /// A page is read with one row more than it shows (<see cref="Page{T}"/>): that row tells whether another page follows.
    /// Nothing is counted: an exact count of a large box (a capital's hundreds of thousands of services) costs many times
    /// the page itself. <c>numberMatched</c> is given when the page tells it for free, on the last page (offset + returned),
    /// and left out otherwise, as OGC API – Features allows.
    /// </summary>
    /// <remarks>
    /// EF sends offset and limit as parameters (even when given as constants). A generic plan of the prepared statement
    /// would assume a tenth of the box's rows are wanted; PostgreSQL keeps the plan made per execution because the generic
    /// one costs far more (checked with EXPLAIN at 100k). The box itself is written in as literals (<see cref="InBox{T}"/>).
    /// </remarks>
    private static IQueryable<T> Page<T>(IQueryable<T> ordered, OgcItemsRequest r) => ordered.Skip(r.Offset).Take(r.Limit + 1);

    /// <summary>The counts of a page read by <see cref="Page{T}"/> that got <paramref name="read"/> rows (up to limit + 1).</summary>
    internal static OgcCounts Counts(OgcItemsRequest r, int read)
    {
        var more = read > r.Limit;
        var returned = Math.Min(read, r.Limit);
        // An empty page past the end cannot tell how many matched (fewer than its offset); the first empty page can: none.
        return new OgcCounts(!more && (returned > 0 || r.Offset == 0) ? r.Offset + returned : null, returned, more);
    }

    /// <summary>The feature id as a UUID; false when one is given that is not (then no feature matches).</summary>
    private static bool TryFeatureId(string? featureId, out Guid? id)
    {
        id = null;
        if (featureId is null)
        {
            return true;
        }
        if (!Guid.TryParse(featureId, out var parsed))
        {
            return false;
        }
        id = parsed;
        return true;
    }

    /// <summary>Rows whose id is <paramref name="id"/> (when given) and whose point lies in the box (when given; one or two parts).</summary>
    private static IQueryable<T> Filter<T>(IQueryable<T> rows, Expression<Func<T, Guid>> key, Guid? id, Expression<Func<T, Geometry?>> point, OgcBox? box)
    {
        if (id is { } wanted)
        {
            var value = new FeatureKey(wanted);
            rows = rows.Where(Expression.Lambda<Func<T, bool>>(
                Expression.Equal(key.Body, Expression.Property(Expression.Constant(value), nameof(FeatureKey.Value))), key.Parameters));
        }
        return box is null ? rows : rows.Where(InBox(point, box, meets: false));
    }

    /// <summary>The feature id, held so EF sends it as a parameter.</summary>
    private sealed record FeatureKey(Guid Value);

    /// <summary>
    /// <c>point</c> in the box (<paramref name="meets"/>: a geometry that meets it), east or west of the antimeridian when
    /// the box crosses it; each test uses the column's GiST index.
    /// </summary>
    /// <remarks>
    /// The box is written into the SQL as literals, not parameters. Npgsql prepares a statement sent again and again, and
    /// PostgreSQL then plans a prepared statement once for any box (a generic plan) that assumes a box holds a few rows:
    /// for a city's box it read every point of the box and sorted them for a page of 100 (about 10× the time of the plan
    /// made for the box, measured at 100k). With literals each box gets its own plan (EF caches one query per box).
    /// </remarks>
    private static Expression<Func<T, bool>> InBox<T>(Expression<Func<T, Geometry?>> point, OgcBox box, bool meets)
    {
        var g = point.Body;
        var method = typeof(SqlFunctions).GetMethod(meets ? nameof(SqlFunctions.MeetsBox) : nameof(SqlFunctions.InBox))!;
        Expression Test(OgcBox part) => Expression.Call(method, g,
            Expression.Constant(part.MinLongitude), Expression.Constant(part.MinLatitude),
            Expression.Constant(part.MaxLongitude), Expression.Constant(part.MaxLatitude));
        var test = box.Parts.Select(Test).Aggregate(Expression.OrElse);
        if (meets)
        {
            test = Expression.AndAlso(Expression.NotEqual(g, Expression.Constant(null, g.Type)), test);
        }
        return Expression.Lambda<Func<T, bool>>(test, point.Parameters);
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
                    return new OgcCounts(matched, written, request.Offset + written < matched);
                }
                var (m, w) = await gapExports.WriteRegionFeaturesAsync(analysis, filter, json, flush, ct);
                return new OgcCounts(m, w, request.Offset + w < m);
        }
    }

    private sealed record ServiceRow(
        Guid Id, Guid ServiceId, Guid LocationId, string ServiceName, Guid OrganizationId, string OrganizationName, string Status,
        int? MinimumAge, int? MaximumAge, string[] Languages, DateTimeOffset LastModified,
        string? LocationName, string LocationType, string Visibility, Guid? LocationOrganizationId, Point? Point, Point? PublicPoint,
        bool IsDemo);

    private async Task<OgcCounts> WriteServicesAsync(OgcItemsRequest r, string? featureId, Utf8JsonWriter json, CancellationToken ct)
    {
        var viewer = actor.Current;
        if (!TryFeatureId(featureId, out var id))
        {
            return default;
        }
        var rows = Filter(serviceAtLocations.Visible, x => x.Id, id, x => x.Location!.PublicPoint, null);
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

        if (!viewer.IsPrivileged && id is null && DirectPublicPages && r is { Category: null, Status: null, Language: null, Age: null, OrganizationId: null, From: null, To: null })
        {
            return await WritePublicPageAsync(r, viewer, json, ct);
        }
        if (!viewer.IsPrivileged)
        {
            // The public sees every row at its public point (null when hidden), so the box selects on that point.
            rows = rows.Where(x => x.Location!.PublicPoint != null);
            if (r.Box is { } box)
            {
                rows = rows.Where(BoxTest(box, exact: false));
            }
        }
        else if (r.Box is { } box)
        {
            // A privileged caller sees some rows exactly and others at the public point (Actor.SeesExactWhere, the one rule
            // in SQL): the box selects on the point shown, never on the exact point of a row shown generalised, or a box
            // test would reveal where that site lies. Both arms use the GiST index of their column (a bitmap OR).
            rows = rows.Where(ShownInBox(viewer, box));
        }
        else
        {
            rows = rows.Where(x => x.Location!.Point != null);
        }
        // One statement for the page (and the row after it), then its categories and addresses.
        var read = await Project(Page(rows.OrderBy(x => x.Id), r)).ToListAsync(ct);
        var page = read.Count > r.Limit ? read.GetRange(0, r.Limit) : read;
        var extras = page.Count == 0 ? new PageExtras(Array.Empty<Guid>().ToLookup(g => g, _ => ""), new Dictionary<Guid, FirstAddress>()) : await ExtrasAsync(page, ct);
        foreach (var row in page)
        {
            WriteService(json, row, viewer, string.Join(',', extras.Categories[row.ServiceId].Order(StringComparer.Ordinal)),
                extras.Addresses.GetValueOrDefault(row.LocationId));
        }
        return Counts(r, read.Count);
    }

    /// <summary>
    /// Whether a public page of services without property filters (what GIS clients ask: a box and a page) is read by
    /// <see cref="WritePublicPageAsync"/>; off only in tests that compare it with the general path.
    /// </summary>
    internal bool DirectPublicPages { get; set; } = true;

    /// <summary>
    /// The public page's statement (<c>Features/Ogc/services-page.sql</c>, embedded; bench/ogc/run.sh times the same file):
    /// one read of <c>ogc_service_feature</c>, the public features kept at every write's commit (migration
    /// AddOgcServiceFeatures). Its placeholders are written in as literals: the statement text then names one page of one
    /// box, Npgsql prepares it on the connection after a few uses (Max Auto Prepare) and PostgreSQL plans it for that box,
    /// with no parameter to make a generic plan of.
    /// </summary>
    internal static readonly string PublicPageSql = ReadResource("services-page.sql");

    private static string ReadResource(string name)
    {
        using var stream = typeof(OgcFeatures).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary><see cref="PublicPageSql"/> for this request: its box (one or two parts), limit + 1 and offset written in.</summary>
    internal static string PublicPageStatement(OgcItemsRequest r)
    {
        static string L(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var box = r.Box is { } b
            ? "(" + string.Join(" OR ", b.Parts.Select(p =>
                $"f.public_point && ST_MakeEnvelope({L(p.MinLongitude)}, {L(p.MinLatitude)}, {L(p.MaxLongitude)}, {L(p.MaxLatitude)}, 4326)")) + ")"
            : "true";
        return PublicPageSql
            .Replace("@box", box, StringComparison.Ordinal)
            .Replace("@limit", (r.Limit + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@offset", r.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>
    /// A public page of services: one statement (<see cref="PublicPageSql"/>) over the public features kept in
    /// <c>ogc_service_feature</c>, written by the same <see cref="WriteService"/> as every other page. It selects exactly the
    /// rows of the general path for a public caller (not hidden, with a public point, the box on the public point, in id
    /// order) and shows what that path shows them (the table holds the public view: approximate places at their public
    /// point, without name or address; OgcPublicPageTests compare the bytes). EF's query building, translation and
    /// materialisation of the general path, and its joins, cost more per page than the bare box select (bench/ogc).
    /// </summary>
    private async Task<OgcCounts> WritePublicPageAsync(OgcItemsRequest r, Actor viewer, Utf8JsonWriter json, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand(PublicPageStatement(r), connection);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var read = 0;
            while (await reader.ReadAsync(ct))
            {
                if (++read > r.Limit)
                {
                    continue; // the row after the page: another page follows
                }
                var point = reader.IsDBNull(14) ? null : new Point(reader.GetDouble(14), reader.GetDouble(15)) { SRID = 4326 };
                var row = new ServiceRow(
                    reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetGuid(4), reader.GetString(5),
                    reader.GetString(6), NullableInt(reader, 7), NullableInt(reader, 8), reader.GetFieldValue<string[]>(9),
                    reader.GetFieldValue<DateTimeOffset>(10), reader.IsDBNull(11) ? null : reader.GetString(11), reader.GetString(12),
                    reader.GetString(13), null, point, point, reader.GetBoolean(21));
                var address = reader.IsDBNull(17) && reader.IsDBNull(18) && reader.IsDBNull(19) && reader.IsDBNull(20) ? null
                    : new FirstAddress(NullableString(reader, 17), NullableString(reader, 18), NullableString(reader, 19), NullableString(reader, 20));
                WriteService(json, row, viewer, reader.GetString(16), address);
            }
            return Counts(r, read);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static string? NullableString(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static int? NullableInt(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt32(i);

    /// <summary>Rows whose public point (<paramref name="exact"/> false) or exact point (true) lies in the box.</summary>
    private static Expression<Func<ServiceAtLocation, bool>> BoxTest(OgcBox box, bool exact) =>
        exact ? InBox<ServiceAtLocation>(x => x.Location!.Point, box, meets: false) : InBox<ServiceAtLocation>(x => x.Location!.PublicPoint, box, meets: false);

    /// <summary>
    /// Rows whose point as this caller sees it lies in the box: <c>(seesExact AND exact point in box) OR (NOT seesExact AND
    /// public point in box)</c>, with seesExact from <see cref="Actor.SeesExactWhere{T}"/> (EF keeps its C# null semantics
    /// under NOT, so a location without organization is still tested at its public point).
    /// </summary>
    private static Expression<Func<ServiceAtLocation, bool>> ShownInBox(Actor viewer, OgcBox box)
    {
        var seesExact = viewer.SeesExactWhere<ServiceAtLocation>(x => x.Location!);
        var row = seesExact.Parameters[0];
        Expression Body(Expression<Func<ServiceAtLocation, bool>> e) => new Rebind(e.Parameters[0], row).Visit(e.Body);
        return Expression.Lambda<Func<ServiceAtLocation, bool>>(
            Expression.OrElse(
                Expression.AndAlso(seesExact.Body, Body(BoxTest(box, exact: true))),
                Expression.AndAlso(Expression.Not(seesExact.Body), Body(BoxTest(box, exact: false)))),
            row);
    }

    private sealed class Rebind(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }

    /// <summary>
    /// The page's rows with what a feature shows from the service, organization and location, one row per feature. The
    /// categories and the first address come after, for the whole page at once (<see cref="ExtrasAsync"/>): read per row
    /// (a joined collection EF sorts and groups, four subqueries for the address) they cost about twice the page itself.
    /// </summary>
    private static IQueryable<ServiceRow> Project(IQueryable<ServiceAtLocation> rows) => rows.Select(x => new ServiceRow(
        x.Id, x.ServiceId, x.LocationId, x.Service!.Name, x.Service.OrganizationId, x.Service.Organization!.Name, x.Service.Status,
        x.Service.MinimumAge, x.Service.MaximumAge, x.Service.Languages, x.Service.PublicLastModified ?? x.Service.LastModified,
        x.Location!.Name, x.Location.LocationType, x.Location.Visibility, x.Location.OrganizationId, x.Location.Point, x.Location.PublicPoint,
        x.Service.IsDemo || x.Location.IsDemo));

    /// <summary>What a page's features show besides their rows: per service its category codes, per location its first address (lowest id).</summary>
    private sealed record PageExtras(ILookup<Guid, string> Categories, IReadOnlyDictionary<Guid, FirstAddress> Addresses);

    private sealed record FirstAddress(string? Address1, string? City, string? PostalCode, string? Country);

    /// <summary>
    /// The categories and first addresses of a page's rows: two set-based statements over the page's ids (index lookups,
    /// a few hundred rows), whatever the page's size.
    /// </summary>
    private async Task<PageExtras> ExtrasAsync(IReadOnlyList<ServiceRow> page, CancellationToken ct)
    {
        var services = page.Select(r => r.ServiceId).Distinct().ToArray();
        var locations = page.Select(r => r.LocationId).Distinct().ToArray();
        var categories = await db.ServiceAttributes.AsNoTracking()
            .Where(a => services.Contains(a.ServiceId) && a.TaxonomyTerm!.Taxonomy!.Name == ServiceMapping.CategoryTaxonomy)
            .Select(a => new { a.ServiceId, a.TaxonomyTerm!.Code })
            .ToListAsync(ct);
        var addresses = await db.Addresses.AsNoTracking()
            .Where(a => locations.Contains(a.LocationId))
            .OrderBy(a => a.LocationId).ThenBy(a => a.Id)
            .Select(a => new { a.LocationId, Address = new FirstAddress(a.Address1, a.City, a.PostalCode, a.Country) })
            .ToListAsync(ct);
        return new PageExtras(
            categories.ToLookup(c => c.ServiceId, c => c.Code),
            addresses.GroupBy(a => a.LocationId).ToDictionary(g => g.Key, g => g.First().Address));
    }

    /// <summary>Whether the caller sees this row's exact place: the one rule, <see cref="Actor.SeesExact(Guid?, string)"/>.</summary>
    private static bool SeesExact(ServiceRow row, Actor viewer) => viewer.SeesExact(row.LocationOrganizationId, row.Visibility);

    private static void WriteService(Utf8JsonWriter json, ServiceRow row, Actor viewer, string categories, FirstAddress? address)
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
        json.WriteString("categories", categories);
        json.WriteString("languages", string.Join(',', row.Languages));
        WriteNumber(json, "minimum_age", row.MinimumAge);
        WriteNumber(json, "maximum_age", row.MaximumAge);
        json.WriteString("location_id", row.LocationId);
        json.WriteString("location_type", row.LocationType);
        json.WriteString("location_name", generalised ? null : row.LocationName);
        json.WriteString("address", generalised ? null : Address(address));
        json.WriteString("visibility", row.Visibility);
        json.WriteBoolean("approximate", generalised);
        json.WriteString("last_modified", row.LastModified.ToUniversalTime());
        json.WriteBoolean("demo", row.IsDemo);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string? Address(FirstAddress? row)
    {
        if (row is null)
        {
            return null;
        }
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
            regions = regions.Where(InBox<Region>(x => x.Geometry, box, meets: true));
        }
        var page = await Page(regions.OrderBy(x => x.Level).ThenBy(x => x.Code), r).ToListAsync(ct);
        foreach (var x in page.Take(r.Limit))
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
        return Counts(r, page.Count);
    }

    private async Task<OgcCounts> WritePlacesAsync(OgcItemsRequest r, string? featureId, Utf8JsonWriter json, CancellationToken ct)
    {
        if (!TryFeatureId(featureId, out var id))
        {
            return default;
        }
        var places = Filter(db.Places.AsNoTracking(), x => x.Id, id, x => x.Point, r.Box);
        var page = await Page(places.OrderBy(x => x.Id), r).ToListAsync(ct);
        foreach (var x in page.Take(r.Limit))
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
        return Counts(r, page.Count);
    }

    private async Task<OgcCounts> WriteDemandAsync(Guid datasetId, OgcItemsRequest r, string? featureId, Utf8JsonWriter json, CancellationToken ct)
    {
        if (!TryFeatureId(featureId, out var id))
        {
            return default;
        }
        var points = Filter(db.DemandPoints.AsNoTracking().Where(x => x.DatasetId == datasetId), x => x.Id, id, x => x.Point, r.Box);
        var page = await Page(points.OrderBy(x => x.Seq), r).ToListAsync(ct);
        foreach (var x in page.Take(r.Limit))
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
        return Counts(r, page.Count);
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
