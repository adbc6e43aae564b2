using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Ogc;

/// <summary>
/// OGC API – Features Part 1 (Core, GeoJSON, OpenAPI 3.0) under <c>/ogc</c>, for GIS tools (QGIS, ArcGIS, GDAL, OWSLib).
/// Coordinates are longitude/latitude (CRS84). ★ not part of HSDS.
/// </summary>
internal static class OgcEndpoints
{
    public const string Root = "/ogc";
    public const string GeoJson = "application/geo+json";
    public const string Json = "application/json";
    public const string OpenApiJson = "application/vnd.oai.openapi+json;version=3.0";
    public const string Crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

    /// <summary>What is true of this server: no HTML, so not the html class; no CRS other than CRS84, so not Part 2.</summary>
    public static readonly string[] ConformanceClasses =
    [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    ];

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEndpointRouteBuilder MapOgc(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Root).WithTags("OGC API – Features").RequireCors(Cors.PublicRead);
        group.MapGet("/", GetLandingPage).WithName("OgcLandingPage")
            .WithSummary("OGC API – Features landing page: links to the API definition, conformance and collections")
            .ProducesValidationProblem();
        group.MapGet("/conformance", GetConformance).WithName("OgcConformance")
            .WithSummary("The conformance classes this server implements (Part 1 core, GeoJSON, OpenAPI 3.0)")
            .ProducesValidationProblem();
        group.MapGet("/collections", GetCollections).WithName("OgcCollections")
            .WithSummary("The feature collections: services, regions, places, one per demand dataset, two per finished gap analysis")
            .ProducesValidationProblem();
        group.MapGet("/collections/{collectionId}", GetCollection).WithName("OgcCollection")
            .WithSummary("One collection's metadata").ProducesValidationProblem().ProducesProblem(404);
        group.MapGet("/collections/{collectionId}/items", GetItems).WithName("OgcItems")
            .WithSummary("Features of a collection (GeoJSON), a page at a time")
            .WithDescription("Filters: `bbox` (CRS84), `limit` (1–1000, default 10; larger values are reduced to 1000), `offset`; services also take " +
                "`datetime` (last modification), `category`, `status`, `language`, `age` and `organization_id`. Unknown parameters are refused " +
                "with 400. The answer carries `numberReturned`, `timeStamp`, `self`/`next`/`prev`/`collection` links, and `numberMatched` on the " +
                "last page (offset + returned; nothing is counted, so a large box costs no more than its page; gap analysis " +
                "collections always carry it); `next` only when more features follow. " +
                "Services are shown as the caller may see them: the public gets approximate places at their generalised point without " +
                "address or location name, and never hidden ones.")
            .Produces<string>(200, GeoJson).ProducesValidationProblem().ProducesProblem(404);
        group.MapGet("/collections/{collectionId}/items/{featureId}", GetItem).WithName("OgcItem")
            .WithSummary("One feature (GeoJSON)").Produces<string>(200, GeoJson).ProducesValidationProblem().ProducesProblem(404);
        return app;
    }

    internal static Results<Ok<OgcLandingPage>, ValidationProblem> GetLandingPage(
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "f")] string? f, HttpRequest request)
    {
        if (FormatProblem(f, request) is { } problem)
        {
            return problem;
        }
        var root = Base(request);
        return TypedResults.Ok(new OgcLandingPage(
            "Referral: support services for children (OGC API – Features)",
            "Services, regions, places, demand datasets and gap analysis results as feature collections, for QGIS, ArcGIS, GDAL and OWSLib. " +
            "Confidential locations are shown only as the caller may see them.",
            [
                new($"{root}", "self", Json, "This document"),
                new($"{Origin(request)}/swagger/v1/swagger.json", "service-desc", OpenApiJson, "The API definition (OpenAPI 3.0)"),
                new($"{Origin(request)}/swagger/index.html", "service-doc", "text/html", "The API documentation"),
                new($"{root}/conformance", "conformance", Json, "Conformance classes"),
                new($"{root}/collections", "data", Json, "The feature collections"),
            ]));
    }

    internal static Results<Ok<OgcConformance>, ValidationProblem> GetConformance(
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "f")] string? f, HttpRequest request) =>
        FormatProblem(f, request) is { } problem ? problem : TypedResults.Ok(new OgcConformance(ConformanceClasses));

    internal static async Task<Results<Ok<OgcCollectionsDocument>, ValidationProblem>> GetCollections(
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "f")] string? f, HttpRequest request, OgcCatalog catalog, CancellationToken ct)
    {
        if (FormatProblem(f, request) is { } problem)
        {
            return problem;
        }
        var root = Base(request);
        var collections = await catalog.ListAsync(ct);
        return TypedResults.Ok(new OgcCollectionsDocument(
            [new($"{root}/collections", "self", Json, "This document")],
            [.. collections.Select(c => ToDocument(c, root))]));
    }

    internal static async Task<Results<Ok<OgcCollectionDocument>, ValidationProblem, ProblemHttpResult>> GetCollection(
        string collectionId, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "f")] string? f, HttpRequest request, OgcCatalog catalog, CancellationToken ct)
    {
        if (FormatProblem(f, request) is { } problem)
        {
            return problem;
        }
        return await catalog.FindAsync(collectionId, ct) is { } c ? TypedResults.Ok(ToDocument(c, Base(request))) : CollectionNotFound(collectionId);
    }

    internal static async Task<Results<EmptyHttpResult, ValidationProblem, ProblemHttpResult>> GetItems(
        string collectionId, [AsParameters] OgcItemsQuery query, HttpContext http, OgcCatalog catalog, OgcFeatures features, TimeProvider clock,
        CancellationToken ct)
    {
        if (await catalog.FindAsync(collectionId, ct) is not { } collection)
        {
            return CollectionNotFound(collectionId);
        }
        var errors = new FieldErrors();
        if (OgcItemsRequest.Parse(query, http.Request.Query.Keys, collection.Kind == OgcKind.Services, errors) is not { } request)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var response = http.Response;
        response.ContentType = GeoJson;
        var pipe = PipeWriter.Create(response.Body, new StreamPipeWriterOptions(leaveOpen: true));
        await using var json = new Utf8JsonWriter(pipe, WriterOptions);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteStartArray("features");
        var counts = await features.WriteAsync(collection, request, null, json, async () =>
        {
            await json.FlushAsync(ct);
            await pipe.FlushAsync(ct);
        }, ct);
        json.WriteEndArray();
        if (counts.Matched is { } matched)
        {
            json.WriteNumber("numberMatched", matched);
        }
        json.WriteNumber("numberReturned", counts.Returned);
        json.WriteString("timeStamp", clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        json.WritePropertyName("links");
        JsonSerializer.Serialize(json, ItemLinks(http.Request, collection, request, counts), JsonSetup.Options);
        json.WriteEndObject();
        await json.FlushAsync(ct);
        await pipe.CompleteAsync();
        return TypedResults.Empty;
    }

    internal static async Task<Results<ContentHttpResult, ValidationProblem, ProblemHttpResult>> GetItem(
        string collectionId, string featureId, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "f")] string? f, HttpRequest request,
        OgcCatalog catalog, OgcFeatures features, CancellationToken ct)
    {
        if (FormatProblem(f, request) is { } problem)
        {
            return problem;
        }
        if (await catalog.FindAsync(collectionId, ct) is not { } collection)
        {
            return CollectionNotFound(collectionId);
        }
        // The feature is written by the same code as a page of items, then taken out of its array.
        using var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartArray();
            await features.WriteAsync(collection, new OgcItemsRequest(1, 0, null, null, null, null, null, null, null, null), featureId, json,
                () => Task.CompletedTask, ct);
            json.WriteEndArray();
        }
        if (JsonNode.Parse(buffer.ToArray()) is not JsonArray { Count: 1 } array || array[0] is not JsonObject feature)
        {
            return Problems.Of(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found",
                $"No feature '{featureId}' in collection '{collectionId}'.");
        }
        array.Clear();
        var root = Base(request);
        var items = $"{root}/collections/{collectionId}/items";
        feature["links"] = JsonSerializer.SerializeToNode(new OgcLink[]
        {
            new($"{items}/{Uri.EscapeDataString(featureId)}", "self", GeoJson, "This feature"),
            new($"{root}/collections/{collectionId}", "collection", Json, collection.Title),
        }, JsonSetup.Options);
        return TypedResults.Content(feature.ToJsonString(JsonSetup.Options), GeoJson);
    }

    private static OgcCollectionDocument ToDocument(OgcCollection c, string root) => new(
        c.Id, c.Title, c.Description,
        [
            new($"{root}/collections/{c.Id}", "self", Json, "This collection"),
            new($"{root}/collections/{c.Id}/items", "items", GeoJson, "Its features"),
        ],
        // The whole world bounds every geometry (the standard asks only that the extent be true).
        new OgcExtent(new OgcSpatialExtent([[-180, -90, 180, 90]], Crs84)),
        "feature",
        [Crs84]);

    private static List<OgcLink> ItemLinks(HttpRequest request, OgcCollection collection, OgcItemsRequest r, OgcCounts counts)
    {
        var root = Base(request);
        var items = $"{root}/collections/{collection.Id}/items";
        var links = new List<OgcLink>
        {
            new(PageUrl(items, request.Query, r.Offset, r.Limit), "self", GeoJson, "This page"),
            new($"{root}/collections/{collection.Id}", "collection", Json, collection.Title),
        };
        // The page read one row past its end (or the collection counted exactly): next only when more features follow.
        if (counts.More)
        {
            links.Add(new(PageUrl(items, request.Query, r.Offset + r.Limit, r.Limit), "next", GeoJson, "Next page"));
        }
        if (r.Offset > 0)
        {
            links.Add(new(PageUrl(items, request.Query, Math.Max(0, r.Offset - r.Limit), r.Limit), "prev", GeoJson, "Previous page"));
        }
        return links;
    }

    private static string PageUrl(string items, IQueryCollection query, int offset, int limit)
    {
        var url = items;
        foreach (var (key, values) in query.Where(q => q.Key is not ("offset" or "limit")).OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            foreach (var v in values)
            {
                url = QueryHelpers.AddQueryString(url, key, v ?? "");
            }
        }
        url = QueryHelpers.AddQueryString(url, "limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return offset > 0 ? QueryHelpers.AddQueryString(url, "offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture)) : url;
    }

    private static ValidationProblem? FormatProblem(string? f, HttpRequest request)
    {
        var errors = new FieldErrors();
        OgcItemsRequest.OnlyFormat(f, request.Query.Keys, errors);
        return errors.Any ? Problems.Validation(errors.ToDictionary()) : null;
    }

    private static ProblemHttpResult CollectionNotFound(string id) =>
        Problems.Of(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found", $"No collection '{id}' (GET {Root}/collections lists them).");

    private static string Origin(HttpRequest request) => PublicUrls.Origin(request);

    private static string Base(HttpRequest request) => Origin(request) + Root;
}
