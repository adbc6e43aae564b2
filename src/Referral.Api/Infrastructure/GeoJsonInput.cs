using System.Text.Json;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;

namespace Referral.Api.Infrastructure;

/// <summary>Parses and checks a GeoJSON area (Polygon or MultiPolygon, WGS 84) sent by a client.</summary>
internal static class GeoJsonInput
{
    public static MultiPolygon? ReadArea(string field, JsonElement element, FieldErrors errors)
    {
        string text;
        if (element.ValueKind == JsonValueKind.String)
        {
            text = element.GetString() ?? "";
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            text = element.GetRawText();
        }
        else
        {
            errors.Add(field, "must be a GeoJSON Polygon or MultiPolygon (an object, or a string holding one).");
            return null;
        }
        Geometry? geometry;
        try
        {
            geometry = JsonSerializer.Deserialize<Geometry>(text, JsonSetup.Options);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            errors.Add(field, "is not valid GeoJSON.");
            return null;
        }
        var area = geometry switch
        {
            MultiPolygon m => m,
            Polygon p => Geo.Factory.CreateMultiPolygon([p]),
            null => null,
            _ => null,
        };
        if (area is null)
        {
            errors.Add(field, $"must be a Polygon or MultiPolygon, not {geometry?.GeometryType ?? "empty"}.");
            return null;
        }
        if (area.NumPoints > Limits.AreaVertices)
        {
            errors.Add(field, $"has {area.NumPoints} vertices; at most {Limits.AreaVertices} are allowed (simplify it, or use region codes).");
            return null;
        }
        if (area.IsEmpty)
        {
            errors.Add(field, "is empty.");
            return null;
        }
        if (area.Coordinates.Any(c => !Geo.IsValidLongitude(c.X) || !Geo.IsValidLatitude(c.Y)))
        {
            errors.Add(field, "has coordinates outside longitude -180..180 / latitude -90..90 (GeoJSON order is [longitude, latitude]).");
            return null;
        }
        var check = new IsValidOp(area);
        if (!check.IsValid)
        {
            var e = check.ValidationError;
            errors.Add(field, $"is not a valid polygon: {e.Message} near [{e.Coordinate.X:0.#####}, {e.Coordinate.Y:0.#####}].");
            return null;
        }
        area.SRID = Geo.Srid;
        return area;
    }
}
