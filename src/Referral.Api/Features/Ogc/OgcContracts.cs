using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace Referral.Api.Features.Ogc;

/// <summary>A link of OGC API – Common (<c>href</c>, <c>rel</c>, <c>type</c>, <c>title</c>).</summary>
internal sealed record OgcLink(string Href, string Rel, string Type, string? Title = null);

internal sealed record OgcLandingPage(string Title, string Description, IReadOnlyList<OgcLink> Links);

internal sealed record OgcConformance([property: JsonPropertyName("conformsTo")] IReadOnlyList<string> ConformsTo);

internal sealed record OgcSpatialExtent(IReadOnlyList<double[]> Bbox, string Crs);

internal sealed record OgcExtent(OgcSpatialExtent Spatial);

/// <summary>A collection's metadata (OGC API – Features Part 1, 7.14). Property names are the standard's camelCase.</summary>
internal sealed record OgcCollectionDocument(
    string Id,
    string Title,
    string Description,
    IReadOnlyList<OgcLink> Links,
    OgcExtent Extent,
    [property: JsonPropertyName("itemType")] string ItemType,
    IReadOnlyList<string> Crs);

internal sealed record OgcCollectionsDocument(IReadOnlyList<OgcLink> Links, IReadOnlyList<OgcCollectionDocument> Collections);

/// <summary>
/// The query of <c>/ogc/collections/{collectionId}/items</c>. Values arrive as text and are checked by
/// <see cref="OgcItemsRequest"/>, so a bad value is a 400 ProblemDetails with a field error, as the standard asks.
/// </summary>
internal sealed record OgcItemsQuery(
    [property: Description("Features per page: 1 to 1000 (larger values are reduced to 1000). Default 10.")][FromQuery(Name = "limit")] string? Limit = null,
    [property: Description("Features to skip (the `next` and `prev` links carry it). Default 0.")][FromQuery(Name = "offset")] string? Offset = null,
    [property: Description("minLon,minLat,maxLon,maxLat in WGS 84 longitude/latitude (CRS84); minLon > maxLon crosses the antimeridian. " +
        "Six numbers (with heights) are accepted and the heights ignored.")][FromQuery(Name = "bbox")] string? Bbox = null,
    [property: Description("services only: an RFC 3339 instant or interval (`a/b`, `../b`, `a/..`) matched against the service's last modification.")]
    [FromQuery(Name = "datetime")] string? Datetime = null,
    [property: Description("services only: a category code (e.g. police, shelter).")][FromQuery(Name = "category")] string? Category = null,
    [property: Description("services only: active, inactive, defunct or temporarily closed.")][FromQuery(Name = "status")] string? Status = null,
    [property: Description("services only: a language code the service is offered in (e.g. es).")][FromQuery(Name = "language")] string? Language = null,
    [property: Description("services only: an age in years the service accepts.")][FromQuery(Name = "age")] string? Age = null,
    [property: Description("services only: the organization's id.")][FromQuery(Name = "organization_id")] string? OrganizationId = null,
    [property: Description("Format: json or geojson (both GeoJSON). HTML is not offered.")][FromQuery(Name = "f")] string? F = null);
