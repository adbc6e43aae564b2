using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Referral.Api.Features.Ogc;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Tiles;

/// <summary>TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec), for MapLibre, Leaflet plugins and QGIS.</summary>
internal sealed record TileJson(
    string Tilejson, string Name, string Description, string Scheme, IReadOnlyList<string> Tiles, int Minzoom, int Maxzoom,
    IReadOnlyList<double> Bounds, string Attribution, IReadOnlyList<TileJsonLayer> VectorLayers);

internal sealed record TileJsonLayer(string Id, string Description, IReadOnlyDictionary<string, string> Fields, int Minzoom, int Maxzoom);

/// <summary>
/// Mapbox vector tiles (Web Mercator, XYZ) of services, regions and gap analysis results, and a TileJSON per tile set.
/// ETag + Cache-Control so browsers and proxies keep them; an empty tile answers 204. ★ not part of HSDS.
/// </summary>
internal static class TileEndpoints
{
    public const string Mvt = "application/vnd.mapbox-vector-tile";

    /// <summary>Tiles are public (the same for every caller), so shared caches may keep them this long.</summary>
    public const string CacheControl = "public, max-age=60";

    private static readonly Dictionary<string, string> ServiceFields = new()
    {
        ["id"] = "String: the service at location id (the OGC feature id)",
        ["service_id"] = "String",
        ["service_name"] = "String",
        ["organization_id"] = "String",
        ["organization_name"] = "String",
        ["status"] = "String",
        ["categories"] = "String: comma-separated category codes",
        ["languages"] = "String: comma-separated language codes",
        ["minimum_age"] = "Number",
        ["maximum_age"] = "Number",
        ["visibility"] = "String: public or approximate",
        ["approximate"] = "Boolean: shown at its generalised point",
        ["point_count"] = "Number: services in this feature; below zoom 13 the services of one 1/64-tile cell share a feature, and the other attributes (categories too) are set only when it holds one",
    };

    /// <summary>What a services tile holds, for the TileJSON description (the rule of <see cref="TileQueries"/>).</summary>
    internal static readonly string ServicesRule = string.Create(CultureInfo.InvariantCulture,
        $"The public view: services at their public point (approximate places at their generalised point, hidden ones never). " +
        $"From zoom {TileQueries.ClusterBelowZoom} each service is its own feature. Below zoom {TileQueries.ClusterBelowZoom} the services of one " +
        $"1/{TileQueries.ClusterGrid}-tile grid cell share one feature at the cell's centre with point_count (how many); a cell holding one " +
        $"service carries its attributes, a larger one its count only. Cells are built from public points only, so no cell counts or reveals a hidden place.");

    private static readonly Dictionary<string, string> RegionFields = new()
    {
        ["code"] = "String",
        ["name"] = "String",
        ["level"] = "Number",
        ["parent_code"] = "String",
        ["population"] = "Number",
        ["area_class"] = "String",
    };

    private static readonly Dictionary<string, string> GapFields = new()
    {
        ["id"] = "String",
        ["*"] = "The properties of the OGC collection of the same id (per category: <category>_distance_m, …)",
    };

    public static IEndpointRouteBuilder MapTiles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tiles").WithTags("Vector tiles").RequireCors(Cors.PublicRead);
        group.MapGet("/{tileSet}/{z}/{x}/{y}.mvt", GetTile).WithName("GetVectorTile")
            .WithSummary("A Mapbox vector tile (Web Mercator, XYZ): services, regions, gap_<id>_settlements or gap_<id>_regions")
            .WithDescription("The public view for every caller: services at their public point (approximate ones generalised, hidden ones never). " +
                "One layer named like the tile set. 204 when the tile is empty; ETag and If-None-Match (304). Zoom 0–22.")
            .Produces<byte[]>(200, Mvt).Produces(204).Produces(304).ProducesValidationProblem().ProducesProblem(404);
        group.MapGet("/{tileSet}.json", GetTileJson).WithName("GetTileJson")
            .WithSummary("TileJSON 3.0.0 of a tile set (its URL template, zoom range and attributes)")
            .ProducesProblem(404);
        return app;
    }

    internal static async Task<Results<FileContentHttpResult, NoContent, StatusCodeHttpResult, ValidationProblem, ProblemHttpResult>> GetTile(
        string tileSet, string z, string x, string y, HttpContext http, OgcCatalog catalog, TileQueries tiles, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var zoom = Coordinate(z, "z", TileAddress.MaxZoom, errors);
        var max = zoom is { } zz ? (1 << zz) - 1 : int.MaxValue;
        var column = Coordinate(x, "x", max, errors);
        var row = Coordinate(y, "y", max, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary(), $"z must be 0–{TileAddress.MaxZoom}, and x and y 0 to 2^z − 1.");
        }
        if (await FindAsync(tileSet, catalog, ct) is not { } set)
        {
            return NotFound(tileSet);
        }
        if (await tiles.TileAsync(set, new TileAddress(zoom!.Value, column!.Value, row!.Value), ct) is not { } tile)
        {
            return NotFound(tileSet);
        }
        var response = http.Response;
        response.Headers.CacheControl = CacheControl;
        response.Headers.Vary = "Accept-Encoding";
        if (tile.ETag is null)
        {
            return TypedResults.NoContent();
        }
        var etag = new EntityTagHeaderValue(tile.ETag);
        response.Headers.ETag = tile.ETag;
        if (EntityTagHeaderValue.TryParseList(http.Request.Headers.IfNoneMatch, out var tags)
            && tags.Any(t => t.Tag == "*" || t.Compare(etag, useStrongComparison: false)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return TypedResults.File(tile.Bytes, Mvt);
    }

    internal static async Task<Results<Ok<TileJson>, ProblemHttpResult>> GetTileJson(string tileSet, HttpRequest request, OgcCatalog catalog, CancellationToken ct)
    {
        if (await FindAsync(tileSet, catalog, ct) is not { } set)
        {
            return NotFound(tileSet);
        }
        var origin = PublicUrls.Origin(request);
        var description = set.Kind == OgcKind.Services ? $"{set.Title}. {ServicesRule}" : set.Title;
        var layer = new TileJsonLayer(set.Id, description, set.Fields, 0, TileAddress.MaxZoom);
        return TypedResults.Ok(new TileJson("3.0.0", set.Id, description, "xyz", [$"{origin}/tiles/{set.Id}/{{z}}/{{x}}/{{y}}.mvt"], 0, TileAddress.MaxZoom,
            [-180, -85.0511, 180, 85.0511], "Referral directory", [layer]));
    }

    private static async Task<TileSet?> FindAsync(string id, OgcCatalog catalog, CancellationToken ct) =>
        await catalog.FindAsync(id, ct) switch
        {
            { Kind: OgcKind.Services } c => new TileSet(c.Id, c.Kind, c.Title, null, ServiceFields),
            { Kind: OgcKind.Regions } c => new TileSet(c.Id, c.Kind, c.Title, null, RegionFields),
            { Kind: OgcKind.GapSettlements or OgcKind.GapRegions } c => new TileSet(c.Id, c.Kind, c.Title, c.SourceId, GapFields),
            _ => null,
        };

    private static int? Coordinate(string text, string name, int max, FieldErrors errors)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max)
        {
            return value;
        }
        errors.Add(name, $"must be a whole number from 0 to {(max == int.MaxValue ? "2^z − 1" : max.ToString(CultureInfo.InvariantCulture))}.");
        return null;
    }

    private static ProblemHttpResult NotFound(string id) => Problems.Of(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found",
        $"No tile set '{id}': services, regions, and gap_<id>_settlements / gap_<id>_regions of finished analyses (GET /ogc/collections lists them).");
}
