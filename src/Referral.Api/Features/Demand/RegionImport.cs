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
/// parent_code?, population?, class?</c>), upserting by code. A raw Natural Earth admin-0 or admin-1 file works as it is:
/// without a <c>code</c> property the code is read from its ISO properties (<c>iso_3166_2</c> for a province, with the
/// country as parent; else <c>ISO_A2</c>, <c>ISO_A2_EH</c>, then the alpha-3 <c>ADM0_A3</c>/<c>ISO_A3</c> mapped to
/// alpha-2), its name from <c>name</c>/<c>NAME</c>/<c>ADMIN</c> and its population from <c>POP_EST</c>; features of one ISO
/// code are merged (Natural Earth's Somaliland into SO), features with no ISO code are skipped and listed. An outline
/// crossing the antimeridian (a ring jumping between longitude +180 and -180, as TopoJSON-stitched files have) is cut
/// there. An invalid outline is repaired (NTS GeometryFixer, the equivalent of ST_MakeValid, keeping the polygonal parts)
/// and the repair is reported; one that cannot be repaired is rejected with the reason, and then nothing is stored.
/// Nothing broken is ever written.
/// </summary>
internal sealed class RegionImport(ReferralDbContext db)
{
    public const int MaxFeatures = 50_000;
    public const int MaxVertices = 2_000_000;

    /// <summary>Natural Earth properties an alpha-2 country code is read from, in order.</summary>
    private static readonly string[] Alpha2Properties = ["ISO_A2", "ISO_A2_EH", "WB_A2"];

    /// <summary>Natural Earth properties an alpha-3 country code is read from (mapped to alpha-2), in order.</summary>
    private static readonly string[] Alpha3Properties = ["ADM0_A3", "ISO_A3", "ISO_A3_EH", "GU_A3", "SOV_A3"];

    private sealed record Parsed(
        string Code, string Name, int Level, string? ParentCode, long? Population, string? AreaClass, MultiPolygon Geometry, string? Repaired,
        string? CodeFrom, bool Cut, int Merged = 1);

    public async Task<RegionImportOutcome> ImportAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var skipped = new List<string>();
        var parsed = Parse(body, errors, skipped);
        if (errors.Any)
        {
            return new RegionImportOutcome(null, errors);
        }
        if (parsed.Count == 0)
        {
            errors.Add("features", $"no feature has a region code ({string.Join("; ", skipped.Take(3))}).");
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
            items.Add(new RegionImportItem(p.Code, created ? "created" : "updated", p.Repaired, p.CodeFrom, p.Merged > 1 ? p.Merged : null, p.Cut ? true : null));
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
            items.Count(i => i.Status == "created"), items.Count(i => i.Status == "updated"), items.Count(i => i.Repaired is not null), items,
            skipped.Count > 0 ? skipped : null), null);
    }

    private static List<Parsed> Parse(ReadOnlyMemory<byte> body, FieldErrors errors, List<string> skipped)
    {
        try
        {
            return ParseFeatures(body, errors, skipped);
        }
        catch (InvalidOperationException)
        {
            // JsonElement.GetString on a lone surrogate.
            errors.Add("body", "holds text that is not valid UTF-8 (or a lone surrogate).");
            return [];
        }
    }

    private static List<Parsed> ParseFeatures(ReadOnlyMemory<byte> body, FieldErrors errors, List<string> skipped)
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
                var own = Text(props, "code") is not null;
                var ne = own ? default : NaturalEarth(props);
                if (!own && ne.Code is null && ne.Why is not null)
                {
                    skipped.Add($"{f} ({FieldErrors.Clip(Name(props) ?? "unnamed")}): {ne.Why}");
                    continue;
                }
                var code = own ? Text(props, "code")!.ToUpperInvariant() : ne.Code;
                if (code is null || !GapOptionsParser.IsRegionCode(code))
                {
                    errors.Add($"{f}.properties.code", "is required: a region code such as CR or CR-SJ (letters, digits, '-', '_', '.'), "
                        + "or Natural Earth's ISO properties (ISO_A2, ADM0_A3, iso_3166_2).");
                    continue;
                }
                if (!seen.Add(code) && own)
                {
                    errors.Add($"{f}.properties.code", $"'{code}' appears twice.");
                }
                var name = errors.Text($"{f}.properties.name", Name(props) ?? code, Limits.Short);
                var level = own ? Integer(props, "level", $"{f}.properties.level", errors) ?? 0 : ne.Level;
                if (level is < 0 or > 10)
                {
                    errors.Add($"{f}.properties.level", "must be between 0 (country) and 10.");
                }
                var parent = own ? Text(props, "parent_code")?.ToUpperInvariant() : ne.Parent;
                if (parent is not null && !GapOptionsParser.IsRegionCode(parent))
                {
                    errors.Add($"{f}.properties.parent_code", "must be a region code.");
                }
                var population = own ? Integer(props, "population", $"{f}.properties.population", errors) : ne.Population;
                if (population < 0)
                {
                    errors.Add($"{f}.properties.population", "must not be negative.");
                }
                var areaClass = own ? errors.OneOf($"{f}.properties.class", Text(props, "class") ?? Text(props, "area_class"), Vocabulary.AreaClasses) : null;
                var (geometry, repaired, cut) = Outline(feature, $"{f}.geometry", errors);
                if (geometry is not null && name is not null)
                {
                    result.Add(new Parsed(code, name, (int)level, parent, population, areaClass, geometry, repaired, ne.From, cut));
                }
            }
        }
        return errors.Any ? result : MergeByCode(result, errors);
    }

    /// <summary>Natural Earth features of one ISO code (Somalia and Somaliland; Cyprus and Northern Cyprus) become one region.</summary>
    private static List<Parsed> MergeByCode(List<Parsed> parsed, FieldErrors errors)
    {
        var result = new List<Parsed>();
        foreach (var group in parsed.GroupBy(p => p.Code, StringComparer.Ordinal))
        {
            if (group.Count() == 1)
            {
                result.Add(group.First());
                continue;
            }
            // The largest unit names the region (Somalia, not Somaliland).
            var main = group.OrderByDescending(p => p.Geometry.Area).First();
            var union = Geo.Factory.CreateGeometryCollection([.. group.Select(p => (Geometry)p.Geometry)]).Union();
            var merged = AsMultiPolygon(union);
            if (merged is null || !merged.IsValid)
            {
                errors.Add("features", $"the {group.Count()} features of {group.Key} could not be merged into one outline.");
                continue;
            }
            merged.SRID = Geo.Srid;
            result.Add(main with
            {
                Geometry = merged,
                Population = group.Any(p => p.Population is not null) ? group.Sum(p => p.Population ?? 0) : null,
                Repaired = group.Select(p => p.Repaired).FirstOrDefault(r => r is not null),
                Cut = group.Any(p => p.Cut),
                Merged = group.Count(),
            });
        }
        return result;
    }

    /// <summary>
    /// The code, level, parent and population of a Natural Earth feature; <c>Why</c> says why a Natural Earth feature has no
    /// usable code (then it is skipped); both null when the feature has no Natural Earth properties at all.
    /// </summary>
    private static (string? Code, string? From, int Level, string? Parent, long? Population, string? Why) NaturalEarth(JsonElement props)
    {
        if (Property(props, "iso_3166_2") is { } subdivisionProperty)
        {
            var subdivision = Text(props, subdivisionProperty)?.ToUpperInvariant();
            if (subdivision is null || !IsSubdivision(subdivision))
            {
                return (null, null, 1, null, null, $"{subdivisionProperty} is '{FieldErrors.Clip(subdivision ?? "")}', not an ISO 3166-2 code");
            }
            var country = Alpha2(props, out _) ?? subdivision[..2];
            return (subdivision, subdivisionProperty, 1, country, null, null);
        }
        var alpha2 = Alpha2(props, out var from);
        if (alpha2 is null)
        {
            var any = Alpha2Properties.Concat(Alpha3Properties).Select(n => Property(props, n)).Where(n => n is not null).ToList();
            return any.Count == 0
                ? (null, null, 0, null, null, null)
                : (null, null, 0, null, null, $"no ISO 3166-1 code ({string.Join(", ", any.Select(n => $"{n} {Text(props, n!) ?? "empty"}"))})");
        }
        long? population = Property(props, "POP_EST") is { } pop && Text(props, pop) is { } popText
            && double.TryParse(popText, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p >= 0 ? (long)Math.Round(p) : null;
        return (alpha2, from, 0, null, population, null);
    }

    /// <summary>The ISO 3166-1 alpha-2 code of a Natural Earth feature (-99 means "none"), or null.</summary>
    private static string? Alpha2(JsonElement props, out string? from)
    {
        foreach (var name in Alpha2Properties)
        {
            if (Property(props, name) is { } actual && Text(props, actual)?.ToUpperInvariant() is { Length: 2 } code && code.All(char.IsAsciiLetterUpper))
            {
                from = actual;
                return code;
            }
        }
        foreach (var name in Alpha3Properties)
        {
            if (Property(props, name) is { } actual && Text(props, actual) is { } code && RegionCodes.Alpha2Of(code) is { } alpha2)
            {
                from = actual;
                return alpha2;
            }
        }
        from = null;
        return null;
    }

    private static bool IsSubdivision(string code) =>
        code.Length is >= 4 and <= 6 && char.IsAsciiLetterUpper(code[0]) && char.IsAsciiLetterUpper(code[1]) && code[2] == '-'
        && code[3..].All(char.IsAsciiLetterOrDigit);

    /// <summary>The feature's name: ours (<c>name</c>), else Natural Earth's <c>NAME</c>, <c>name_en</c>, <c>ADMIN</c>.</summary>
    private static string? Name(JsonElement props) =>
        new[] { "name", "name_en", "ADMIN", "NAME_LONG" }.Select(n => Property(props, n)).Where(n => n is not null).Select(n => Text(props, n!)).FirstOrDefault(t => t is not null);

    /// <summary>The actual spelling of a property, matched case-insensitively (Natural Earth files use both ISO_A2 and iso_a2).</summary>
    private static string? Property(JsonElement props, string name)
    {
        if (props.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (props.TryGetProperty(name, out _))
        {
            return name;
        }
        foreach (var p in props.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Name;
            }
        }
        return null;
    }

    /// <summary>Reads, checks and (when needed) repairs one outline.</summary>
    internal static (MultiPolygon? Geometry, string? Repaired) Geometry(JsonElement feature, string field, FieldErrors errors)
    {
        var (geometry, repaired, _) = Outline(feature, field, errors);
        return (geometry, repaired);
    }

    private static (MultiPolygon? Geometry, string? Repaired, bool Cut) Outline(JsonElement feature, string field, FieldErrors errors)
    {
        if (feature.ValueKind != JsonValueKind.Object || !feature.TryGetProperty("geometry", out var g) || g.ValueKind != JsonValueKind.Object)
        {
            errors.Add(field, "is missing: each region needs a Polygon or MultiPolygon outline.");
            return (null, null, false);
        }
        Geometry? geometry;
        try
        {
            geometry = JsonSerializer.Deserialize<Geometry>(g.GetRawText(), JsonSetup.Options);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            errors.Add(field, "is not valid GeoJSON geometry.");
            return (null, null, false);
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
            return (null, null, false);
        }
        if (area.NumPoints > MaxVertices)
        {
            errors.Add(field, $"has {area.NumPoints:N0} vertices; at most {MaxVertices:N0} (simplify it first, e.g. with mapshaper or QGIS).");
            return (null, null, false);
        }
        if (area.Coordinates.Any(c => !Geo.IsValidLongitude(c.X) || !Geo.IsValidLatitude(c.Y)))
        {
            errors.Add(field, "has coordinates outside longitude -180..180 / latitude -90..90: is it in WGS 84 (EPSG:4326), [longitude, latitude] order?");
            return (null, null, false);
        }
        area = Flatten(area);
        var cut = CutAtAntimeridian(ref area);
        var check = new IsValidOp(area);
        if (check.IsValid)
        {
            area.SRID = Geo.Srid;
            return (area, null, cut);
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
            return (null, null, false);
        }
        repaired.SRID = Geo.Srid;
        return (repaired, $"repaired: {reason}", cut);
    }

    /// <summary>
    /// Cuts polygons whose rings jump across the antimeridian (an edge from longitude ~+180 to ~-180, as TopoJSON files
    /// stitched for spherical maps have, e.g. Fiji or Chukotka) into parts on either side of it: on a flat map such a ring
    /// would span the whole globe. Each crossing polygon is unwrapped into continuous longitudes and clipped to the three
    /// world-wide boxes around it, the outer parts shifted back by 360°. Polygons already split at ±180 (Natural Earth's
    /// own files) are left as they are.
    /// </summary>
    internal static bool CutAtAntimeridian(ref MultiPolygon area)
    {
        var polygons = area.Geometries.Cast<Polygon>().ToList();
        if (!polygons.Any(p => Crosses(p.Shell)))
        {
            return false;
        }
        var parts = new List<Polygon>();
        foreach (var polygon in polygons)
        {
            if (!Crosses(polygon.Shell))
            {
                parts.Add(polygon);
                continue;
            }
            var shell = Unwrap(polygon.Shell, reference: null);
            var holes = polygon.Holes.Select(h => Unwrap(h, reference: shell.Coordinates[0].X)).ToArray();
            var unwrapped = Geo.Factory.CreatePolygon(shell, holes);
            foreach (var shift in new[] { -360.0, 0, 360 })
            {
                var box = Geo.Factory.ToGeometry(new Envelope(-180 + shift, 180 + shift, -90, 90));
                var piece = unwrapped.Intersection(box);
                if (piece.IsEmpty)
                {
                    continue;
                }
                if (shift != 0)
                {
                    piece = NetTopologySuite.Geometries.Utilities.AffineTransformation.TranslationInstance(-shift, 0).Transform(piece);
                }
                parts.AddRange(Enumerable.Range(0, piece.NumGeometries).Select(piece.GetGeometryN).OfType<Polygon>().Where(p => p.Area > 0));
            }
        }
        area = Geo.Factory.CreateMultiPolygon([.. parts]);
        return true;
    }

    private static bool Crosses(LineString ring)
    {
        var c = ring.Coordinates;
        for (var k = 1; k < c.Length; k++)
        {
            if (Math.Abs(c[k].X - c[k - 1].X) > 180)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The ring with continuous longitudes (each jump of more than 180° undone by ±360°), near <paramref name="reference"/>.</summary>
    private static LinearRing Unwrap(LineString ring, double? reference)
    {
        var source = ring.Coordinates;
        var result = new Coordinate[source.Length];
        var offset = 0.0;
        for (var k = 0; k < source.Length; k++)
        {
            if (k > 0)
            {
                var jump = source[k].X + offset - result[k - 1].X;
                offset += jump > 180 ? -360 : jump < -180 ? 360 : 0;
            }
            result[k] = new Coordinate(source[k].X + offset, source[k].Y);
        }
        if (reference is { } x)
        {
            var shift = Math.Round((x - result[0].X) / 360) * 360;
            for (var k = 0; k < result.Length; k++)
            {
                result[k] = new Coordinate(result[k].X + shift, result[k].Y);
            }
        }
        // A ring that crossed an odd number of times does not close; close it on its first point.
        result[^1] = result[0].Copy();
        return Geo.Factory.CreateLinearRing(result);
    }

    private static MultiPolygon? AsMultiPolygon(Geometry g) => g switch
    {
        MultiPolygon m => m,
        Polygon p => Geo.Factory.CreateMultiPolygon([p]),
        GeometryCollection c => Geo.Factory.CreateMultiPolygon([.. Enumerable.Range(0, c.NumGeometries).Select(c.GetGeometryN).OfType<Polygon>()]),
        _ => null,
    };

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
