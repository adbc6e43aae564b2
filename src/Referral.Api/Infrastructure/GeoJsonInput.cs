using System.Text.Json;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;

namespace Referral.Api.Infrastructure;

/// <summary>Parses and checks a GeoJSON area (Polygon or MultiPolygon, WGS 84) sent by a client.</summary>
internal static class GeoJsonInput
{
    public static MultiPolygon? ReadArea(string field, JsonElement element, FieldErrors errors, int maxVertices)
    {
        if (element.ValueKind is not (JsonValueKind.String or JsonValueKind.Object))
        {
            errors.Add(field, "must be a GeoJSON Polygon or MultiPolygon (an object, or a string holding one).");
            return null;
        }
        Geometry? geometry;
        try
        {
            // Inside the try: a JsonElement transcodes lazily, so a lone surrogate or invalid UTF-8 in the body throws here.
            var text = element.ValueKind == JsonValueKind.String ? element.GetString() ?? "" : element.GetRawText();
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
        if (area.NumPoints > maxVertices)
        {
            errors.Add(field, $"has {area.NumPoints} vertices; at most {maxVertices} are allowed (simplify it, or use region codes).");
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
        // A third or fourth position element is absent (NaN) or an altitude; one beyond double range (1e400) is not a number.
        if (area.Coordinates.Any(c => double.IsInfinity(c.Z) || double.IsInfinity(c.M)))
        {
            errors.Add(field, "has a coordinate that is not a finite number.");
            return null;
        }
        if (HasAntipodalEdge(area))
        {
            // PostGIS cannot place such an edge on the sphere and fails the insert ("Antipodal (180 degrees long) edge detected!").
            errors.Add(field, "has an edge between two opposite points of the globe (such as pole to pole), which has no single path; add a vertex in between.");
            return null;
        }
        var check = new IsValidOp(area);
        if (!check.IsValid)
        {
            var e = check.ValidationError;
            errors.Add(field, $"is not a valid polygon: {e.Message} near [{e.Coordinate.X:0.#####}, {e.Coordinate.Y:0.#####}].");
            return null;
        }
        area = Flatten(area);
        area.SRID = Geo.Srid;
        return area;
    }

    private static bool HasAntipodalEdge(MultiPolygon area) =>
        area.Geometries.Cast<Polygon>().SelectMany(p => p.Holes.Prepend(p.Shell)).Any(ring =>
        {
            var c = ring.Coordinates;
            return Enumerable.Range(1, Math.Max(c.Length - 1, 0)).Any(i => AreAntipodal(c[i - 1], c[i]));
        });

    // As PostGIS decides it: the points' unit vectors cancel out (with a looser tolerance than its 1e-12, to be safe).
    private static bool AreAntipodal(Coordinate a, Coordinate b)
    {
        var (ax, ay, az) = UnitVector(a);
        var (bx, by, bz) = UnitVector(b);
        return Math.Abs(ax + bx) < 1e-9 && Math.Abs(ay + by) < 1e-9 && Math.Abs(az + bz) < 1e-9;
    }

    private static (double X, double Y, double Z) UnitVector(Coordinate c)
    {
        var lat = double.DegreesToRadians(c.Y);
        var lng = double.DegreesToRadians(c.X);
        return (Math.Cos(lat) * Math.Cos(lng), Math.Cos(lat) * Math.Sin(lng), Math.Sin(lat));
    }

    /// <summary>
    /// GeoJSON allows an altitude in each position, but the column is a 2D geography: PostGIS rejects a Z geometry
    /// ("Geometry has Z dimension but column does not"), so altitudes are dropped.
    /// </summary>
    private static MultiPolygon Flatten(MultiPolygon area) =>
        Geo.Factory.CreateMultiPolygon([.. area.Geometries.Cast<Polygon>().Select(p => Geo.Factory.CreatePolygon(Ring(p.Shell), [.. p.Holes.Select(Ring)]))]);

    private static LinearRing Ring(LineString ring) => Geo.Factory.CreateLinearRing([.. ring.Coordinates.Select(c => new Coordinate(c.X, c.Y))]);
}
