using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Operation.Valid;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.Regions;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Demand;

internal sealed record RegionImportOutcome(RegionImportReport? Report, FieldErrors? Errors);

/// <summary>
/// Imports region outlines (a GeoJSON FeatureCollection of Polygon/MultiPolygon features with <c>code, name, level,
/// parent_code?, population?, class?</c>), upserting by code. An invalid outline is repaired (NTS GeometryFixer, the
/// equivalent of ST_MakeValid, keeping the polygonal parts) and the repair is reported; one that cannot be repaired is
/// rejected with the reason, and then nothing is stored. Nothing broken is ever written.
/// </summary>
internal sealed class RegionImport(ReferralDbContext db)
{
    public const int MaxFeatures = 50_000;
    public const int MaxVertices = 2_000_000;

    private sealed record Parsed(string Code, string Name, int Level, string? ParentCode, long? Population, string? AreaClass, MultiPolygon Geometry, string? Repaired);

    public async Task<RegionImportOutcome> ImportAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var parsed = Parse(body, errors);
        if (errors.Any)
        {
            return new RegionImportOutcome(null, errors);
        }
        var codes = parsed.Select(p => p.Code).ToList();
        var existing = await db.Regions.Where(r => codes.Contains(r.Code)).ToDictionaryAsync(r => r.Code, ct);
        var items = new List<RegionImportItem>();
        foreach (var p in parsed)
        {
            var created = !existing.TryGetValue(p.Code, out var region);
            if (region is null)
            {
                region = new Region { Id = Guid.CreateVersion7(), Code = p.Code, Name = p.Name };
                db.Regions.Add(region);
            }
            region.Name = p.Name;
            region.Level = p.Level;
            region.ParentCode = p.ParentCode;
            region.Population = p.Population;
            region.AreaClass = p.AreaClass;
            region.Geometry = p.Geometry;
            region.Source = "import";
            items.Add(new RegionImportItem(p.Code, created ? "created" : "updated", p.Repaired));
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException pg)
        {
            // PostGIS has the last word on what a geography can be (e.g. an edge that wraps the globe).
            db.ChangeTracker.Clear();
            errors.Add("features", $"PostGIS rejected an outline: {pg.MessageText}");
            return new RegionImportOutcome(null, errors);
        }
        return new RegionImportOutcome(new RegionImportReport(
            items.Count(i => i.Status == "created"), items.Count(i => i.Status == "updated"), items.Count(i => i.Repaired is not null), items), null);
    }

    private static List<Parsed> Parse(ReadOnlyMemory<byte> body, FieldErrors errors)
    {
        try
        {
            return ParseFeatures(body, errors);
        }
        catch (InvalidOperationException)
        {
            // JsonElement.GetString on a lone surrogate.
            errors.Add("body", "holds text that is not valid UTF-8 (or a lone surrogate).");
            return [];
        }
    }

    private static List<Parsed> ParseFeatures(ReadOnlyMemory<byte> body, FieldErrors errors)
    {
        var result = new List<Parsed>();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            errors.Add("body", $"is not valid JSON (line {ex.LineNumber + 1}).");
            return result;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                errors.Add("body", "must be a GeoJSON FeatureCollection of Polygon or MultiPolygon features.");
                return result;
            }
            if (features.GetArrayLength() is 0 or > MaxFeatures)
            {
                errors.Add("features", $"must hold 1 to {MaxFeatures:N0} regions.");
                return result;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var i = -1;
            foreach (var feature in features.EnumerateArray())
            {
                i++;
                var f = $"features[{i}]";
                var props = feature.ValueKind == JsonValueKind.Object && feature.TryGetProperty("properties", out var pr) && pr.ValueKind == JsonValueKind.Object ? pr : default;
                var code = Text(props, "code")?.ToUpperInvariant();
                if (code is null || !GapOptionsParser.IsRegionCode(code))
                {
                    errors.Add($"{f}.properties.code", "is required: a region code such as CR or CR-SJ (letters, digits, '-', '_', '.').");
                    continue;
                }
                if (!seen.Add(code))
                {
                    errors.Add($"{f}.properties.code", $"'{code}' appears twice.");
                }
                var name = errors.Text($"{f}.properties.name", Text(props, "name") ?? code, Limits.Short);
                var level = Integer(props, "level", $"{f}.properties.level", errors) ?? 0;
                if (level is < 0 or > 10)
                {
                    errors.Add($"{f}.properties.level", "must be between 0 (country) and 10.");
                }
                var parent = Text(props, "parent_code")?.ToUpperInvariant();
                if (parent is not null && !GapOptionsParser.IsRegionCode(parent))
                {
                    errors.Add($"{f}.properties.parent_code", "must be a region code.");
                }
                var population = Integer(props, "population", $"{f}.properties.population", errors);
                if (population < 0)
                {
                    errors.Add($"{f}.properties.population", "must not be negative.");
                }
                var areaClass = errors.OneOf($"{f}.properties.class", Text(props, "class") ?? Text(props, "area_class"), Vocabulary.AreaClasses);
                var (geometry, repaired) = Geometry(feature, $"{f}.geometry", errors);
                if (geometry is not null && name is not null)
                {
                    result.Add(new Parsed(code, name, (int)level, parent, population, areaClass, geometry, repaired));
                }
            }
        }
        return result;
    }

    /// <summary>Reads, checks and (when needed) repairs one outline.</summary>
    internal static (MultiPolygon? Geometry, string? Repaired) Geometry(JsonElement feature, string field, FieldErrors errors)
    {
        if (feature.ValueKind != JsonValueKind.Object || !feature.TryGetProperty("geometry", out var g) || g.ValueKind != JsonValueKind.Object)
        {
            errors.Add(field, "is missing: each region needs a Polygon or MultiPolygon outline.");
            return (null, null);
        }
        Geometry? geometry;
        try
        {
            geometry = JsonSerializer.Deserialize<Geometry>(g.GetRawText(), JsonSetup.Options);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            errors.Add(field, "is not valid GeoJSON geometry.");
            return (null, null);
        }
        var area = geometry switch
        {
            MultiPolygon m => m,
            Polygon p => Geo.Factory.CreateMultiPolygon([p]),
            _ => null,
        };
        if (area is null || area.IsEmpty)
        {
            errors.Add(field, $"must be a non-empty Polygon or MultiPolygon, not {geometry?.GeometryType ?? "nothing"}.");
            return (null, null);
        }
        if (area.NumPoints > MaxVertices)
        {
            errors.Add(field, $"has {area.NumPoints:N0} vertices; at most {MaxVertices:N0} (simplify it first, e.g. with mapshaper or QGIS).");
            return (null, null);
        }
        if (area.Coordinates.Any(c => !Geo.IsValidLongitude(c.X) || !Geo.IsValidLatitude(c.Y)))
        {
            errors.Add(field, "has coordinates outside longitude -180..180 / latitude -90..90: is it in WGS 84 (EPSG:4326), [longitude, latitude] order?");
            return (null, null);
        }
        area = Flatten(area);
        var check = new IsValidOp(area);
        if (check.IsValid)
        {
            area.SRID = Geo.Srid;
            return (area, null);
        }
        var problem = check.ValidationError;
        var reason = string.Create(CultureInfo.InvariantCulture, $"{problem.Message} near [{problem.Coordinate?.X:0.#####}, {problem.Coordinate?.Y:0.#####}]");
        var fixedGeometry = GeometryFixer.Fix(area);
        var polygons = Enumerable.Range(0, fixedGeometry.NumGeometries).Select(fixedGeometry.GetGeometryN)
            .SelectMany(p => p switch { Polygon one => [one], MultiPolygon many => many.Geometries.Cast<Polygon>(), _ => [] })
            .Where(p => !p.IsEmpty && p.Area > 0)
            .ToArray();
        var repaired = Geo.Factory.CreateMultiPolygon(polygons);
        if (repaired.IsEmpty || !new IsValidOp(repaired).IsValid)
        {
            errors.Add(field, $"is not a valid polygon ({reason}) and could not be repaired.");
            return (null, null);
        }
        repaired.SRID = Geo.Srid;
        return (repaired, $"repaired: {reason}");
    }

    private static MultiPolygon Flatten(MultiPolygon area) =>
        Geo.Factory.CreateMultiPolygon([.. area.Geometries.Cast<Polygon>().Select(p => Geo.Factory.CreatePolygon(Ring(p.Shell), [.. p.Holes.Select(Ring)]))]);

    private static LinearRing Ring(LineString ring) => Geo.Factory.CreateLinearRing([.. ring.Coordinates.Select(c => new Coordinate(c.X, c.Y))]);

    private static string? Text(JsonElement props, string name) =>
        props.ValueKind == JsonValueKind.Object && props.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString()?.Trim() is { Length: > 0 } s ? s : null,
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            }
            : null;

    private static long? Integer(JsonElement props, string name, string field, FieldErrors errors)
    {
        if (Text(props, name) is not { } text)
        {
            return null;
        }
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }
        errors.Add(field, $"'{FieldErrors.Clip(text)}' is not a whole number.");
        return null;
    }
}
