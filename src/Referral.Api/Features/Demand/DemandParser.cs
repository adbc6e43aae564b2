using System.Globalization;
using System.Text;
using System.Text.Json;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.Imports;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Demand;

/// <summary>A valid settlement row, ready to store; <see cref="Row"/> is its 1-based position in the file; an unnamed settlement has an empty name.</summary>
internal sealed record DemandRow(int Row, string Name, double Lat, double Lng, long? Population, string? SettlementClass, string? RegionCode);

/// <summary>The outcome of parsing an import: valid rows, or a row-level report of what is wrong (nothing is stored then).</summary>
internal sealed class DemandParse
{
    /// <summary>Row errors listed in a report; the rest are counted.</summary>
    public const int MaxListedErrors = 200;

    public const int MaxRows = 2_000_000;

    public List<DemandRow> Rows { get; } = [];
    public FieldErrors Errors { get; } = new();
    public int ErrorCount { get; private set; }

    /// <summary>Problems with the whole input (a missing column, the dataset's name): never skipped, even in valid-only mode.</summary>
    public int FileErrorCount { get; private set; }

    /// <summary>Store the valid rows and report the rest, instead of storing nothing.</summary>
    public bool ValidOnly { get; init; }

    public int Unnamed { get; set; }
    private readonly List<int> _withoutPopulation = [];
    private bool _populationSeen;
    public HashSet<int> InvalidRows { get; } = [];
    public List<string> Warnings { get; } = [];
    public int RowsRead { get; set; }
    public bool HasPopulationColumn { get; set; } = true;
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Source { get; set; }
    public string? License { get; set; }

    public void Add(string field, string message, int row = 0)
    {
        ErrorCount++;
        if (row > 0)
        {
            InvalidRows.Add(row);
        }
        else
        {
            FileErrorCount++;
        }
        if (ErrorCount <= MaxListedErrors)
        {
            Errors.Add(field, message);
        }
    }

    /// <summary>Notes whether a stored row has a population, for the all-or-none rule applied at the end.</summary>
    public void SawPopulation(int row, bool present)
    {
        _populationSeen |= present;
        if (!present)
        {
            _withoutPopulation.Add(row);
        }
    }

    /// <summary>
    /// A dataset gives every settlement a population or none: when some have one, the others are rejected with the reason
    /// (they would silently weigh nothing); when none has one (an empty column too), the dataset has no population.
    /// </summary>
    public void ApplyPopulationRule()
    {
        HasPopulationColumn = _populationSeen;
        if (!_populationSeen || _withoutPopulation.Count == 0)
        {
            return;
        }
        var missing = _withoutPopulation.ToHashSet();
        foreach (var row in _withoutPopulation)
        {
            Add($"rows[{row}].population", "is missing while other settlements have one: give it a population (0 for an empty place), or import with valid_only=true to skip it.", row);
        }
        Rows.RemoveAll(r => missing.Contains(r.Row));
    }
}

/// <summary>
/// Reads settlements from CSV (<c>name, lat, lng, population, settlement_class?, region_code?</c>; comma, semicolon, tab or
/// bar separated, decimal commas accepted unless the separator is a comma, header names case-insensitive with common aliases), GeoJSON Point features, or a JSON document with a
/// <c>points</c> array. Every row is checked; errors are keyed <c>rows[N].field</c> with N the 1-based data row (CSV line N + 1).
/// </summary>
internal static class DemandParser
{
    // Headers are recognised by the alias table the directory import uses (CsvMapping), so both accept the same spellings.
    private static readonly string[] NameAliases = ["name"];
    private static readonly string[] LatAliases = ["latitude"];
    private static readonly string[] LngAliases = ["longitude"];
    private static readonly string[] PopulationAliases = ["population"];
    private static readonly string[] ClassAliases = ["settlement_class"];
    private static readonly string[] RegionAliases = ["region_code", "region"];

    public static async Task<DemandParse> ReadCsvAsync(Stream stream, bool validOnly, CancellationToken ct)
    {
        // The CSV reader (the one the directory import uses) reads synchronously: anything but a file or memory (a request
        // body) is first spooled to a temporary file, which goes away with the stream.
        if (stream is FileStream or MemoryStream)
        {
            return ReadCsv(stream, validOnly, ct);
        }
        await using var spool = new FileStream(Path.Combine(Path.GetTempPath(), Path.GetRandomFileName()), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await stream.CopyToAsync(spool, ct);
        spool.Position = 0;
        return ReadCsv(spool, validOnly, ct);
    }

    private static DemandParse ReadCsv(Stream stream, bool validOnly, CancellationToken ct)
    {
        var result = new DemandParse { ValidOnly = validOnly };
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var row = 0;
        try
        {
            using var csv = CsvTable.Open(reader);
            if (csv.Header.All(string.IsNullOrWhiteSpace))
            {
                result.Add("file", "is empty: expected a header line such as name,lat,lng,population,settlement_class,region_code.");
                return result;
            }
            var columns = csv.Header.Select(CsvMapping.Recognise).ToList();
            int Find(string[] aliases) => aliases.Select(a => columns.IndexOf(a)).FirstOrDefault(i => i >= 0, -1);
            var (name, lat, lng, population, cls, region) =
                (Find(NameAliases), Find(LatAliases), Find(LngAliases), Find(PopulationAliases), Find(ClassAliases), Find(RegionAliases));
            foreach (var (index, column) in new[] { (lat, "lat"), (lng, "lng") })
            {
                if (index < 0)
                {
                    result.Add("file", $"has no '{column}' column (header: {FieldErrors.Clip(string.Join(",", csv.Header))}).");
                }
            }
            if (result.ErrorCount > 0)
            {
                return result;
            }
            var decimalComma = csv.Delimiter != ',';
            while (csv.Read() is { } fields)
            {
                if (fields.Count == 1 && string.IsNullOrWhiteSpace(fields[0]))
                {
                    continue;
                }
                if ((++row & 4095) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }
                if (row > DemandParse.MaxRows)
                {
                    result.Add("file", $"has more than {DemandParse.MaxRows:N0} rows; split it into several datasets.");
                    break;
                }
                string? Field(int i) => i >= 0 && i < fields.Count ? fields[i] : null;
                CheckRow(result, row, Field(name), Number(Field(lat), decimalComma), Field(lat), Number(Field(lng), decimalComma), Field(lng),
                    Field(population), Field(cls), Field(region), $"rows[{row}].lat", $"rows[{row}].lng");
            }
        }
        catch (CsvFormatException ex)
        {
            result.Add("file", string.Create(CultureInfo.InvariantCulture, $"line {ex.Line}: {ex.Message}"));
            return result;
        }
        result.RowsRead = row;
        Finish(result);
        return result;
    }

    /// <summary>A GeoJSON FeatureCollection of Points, or <c>{"name": …, "points": [{name, lat, lng, …}]}</c>.</summary>
    public static DemandParse ReadJson(ReadOnlyMemory<byte> body, bool validOnly)
    {
        var result = new DemandParse { ValidOnly = validOnly };
        try
        {
            var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                result.Add("body", "must be a GeoJSON FeatureCollection or an object with a 'points' array.");
                return result;
            }
            var sawRows = false;
            var row = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                reader.Read();
                switch (property)
                {
                    case "name" when reader.TokenType == JsonTokenType.String:
                        result.Name = reader.GetString();
                        break;
                    case "description" when reader.TokenType == JsonTokenType.String:
                        result.Description = reader.GetString();
                        break;
                    case "source" when reader.TokenType == JsonTokenType.String:
                        result.Source = reader.GetString();
                        break;
                    case "license" when reader.TokenType == JsonTokenType.String:
                        result.License = reader.GetString();
                        break;
                    case "features" or "points" when reader.TokenType == JsonTokenType.StartArray:
                        sawRows = true;
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            using var item = JsonDocument.ParseValue(ref reader);
                            row++;
                            if (row > DemandParse.MaxRows)
                            {
                                result.Add("body", $"has more than {DemandParse.MaxRows:N0} points; split it into several datasets.");
                                return result;
                            }
                            if (property == "features")
                            {
                                ReadFeature(result, row, item.RootElement);
                            }
                            else
                            {
                                ReadPoint(result, row, item.RootElement);
                            }
                        }
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            if (!sawRows)
            {
                result.Add("body", "has no 'features' (GeoJSON) or 'points' array.");
            }
            result.RowsRead = row;
        }
        catch (JsonException ex)
        {
            result.Add("body", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader.GetString on invalid UTF-8 or a lone surrogate.
            result.Rows.Clear();
            result.Add("body", "holds text that is not valid UTF-8 (or a lone surrogate).");
        }
        Finish(result);
        return result;
    }

    private static void ReadFeature(DemandParse result, int row, JsonElement feature)
    {
        var f = $"rows[{row}]";
        if (feature.ValueKind != JsonValueKind.Object)
        {
            result.Add(f, "must be a GeoJSON Feature.", row);
            return;
        }
        double? lat = null, lng = null;
        string? latText = null, lngText = null;
        if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
        {
            result.Add($"{f}.geometry", "is missing: each feature needs a Point geometry.", row);
            return;
        }
        if (!geometry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "Point")
        {
            result.Add($"{f}.geometry", $"must be a Point, not {(type.ValueKind == JsonValueKind.String ? type.GetString() : "unknown")}.", row);
            return;
        }
        if (geometry.TryGetProperty("coordinates", out var coordinates) && coordinates.ValueKind == JsonValueKind.Array && coordinates.GetArrayLength() >= 2)
        {
            // GeoJSON order is [longitude, latitude].
            lng = coordinates[0].ValueKind == JsonValueKind.Number ? coordinates[0].GetDouble() : null;
            lat = coordinates[1].ValueKind == JsonValueKind.Number ? coordinates[1].GetDouble() : null;
            lngText = coordinates[0].ToString();
            latText = coordinates[1].ToString();
        }
        var props = feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var population = Property(props, PopulationAliases);
        CheckRow(result, row, Text(Property(props, NameAliases)), lat, latText, lng, lngText,
            Text(population), Text(Property(props, ClassAliases)), Text(Property(props, RegionAliases)), $"{f}.geometry", $"{f}.geometry");
    }

    private static void ReadPoint(DemandParse result, int row, JsonElement point)
    {
        if (point.ValueKind != JsonValueKind.Object)
        {
            result.Add($"rows[{row}]", "must be an object with name, lat, lng, population.", row);
            return;
        }
        var lat = Property(point, LatAliases);
        var lng = Property(point, LngAliases);
        var population = Property(point, PopulationAliases);
        CheckRow(result, row, Text(Property(point, NameAliases)), Number(lat), Text(lat), Number(lng), Text(lng),
            Text(population), Text(Property(point, ClassAliases)), Text(Property(point, RegionAliases)), $"rows[{row}].lat", $"rows[{row}].lng");
    }

    private static JsonElement? Property(JsonElement obj, string[] targets)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var target in targets)
        {
            foreach (var p in obj.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Null && CsvMapping.Recognise(p.Name) == target)
                {
                    return p.Value;
                }
            }
        }
        return null;
    }

    private static string? Text(JsonElement? e) => e switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { } other => other.GetRawText(),
    };

    private static double? Number(JsonElement? e) => e switch
    {
        { ValueKind: JsonValueKind.Number } n => n.GetDouble(),
        { ValueKind: JsonValueKind.String } s => Number(s.GetString(), decimalComma: false),
        _ => null,
    };

    private static double? Number(string? text, bool decimalComma)
    {
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t))
        {
            return null;
        }
        if (decimalComma && t.Count(c => c == ',') == 1 && !t.Contains('.', StringComparison.Ordinal))
        {
            t = t.Replace(',', '.');
        }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
    }

    /// <summary>
    /// The checks every row passes, whatever the format. A settlement may leave population out; the whole dataset must
    /// agree, which is checked after the last row (<see cref="DemandParse.ApplyPopulationRule"/>). A settlement may be unnamed.
    /// </summary>
    private static void CheckRow(DemandParse result, int row, string? name, double? lat, string? latText, double? lng, string? lngText,
        string? populationText, string? classText, string? regionText, string latField, string lngField)
    {
        var f = $"rows[{row}]";
        var errors = result.ErrorCount;
        var n = name?.Trim() ?? "";
        if (n.Length == 0)
        {
            result.Unnamed++;
        }
        else if (n.Length > Limits.Short)
        {
            result.Add($"{f}.name", string.Create(CultureInfo.InvariantCulture, $"is {n.Length} characters long; at most {Limits.Short} are allowed."), row);
        }
        else if (!TextRules.IsClean(n))
        {
            result.Add($"{f}.name", "contains a control character (such as a NUL, a line break or a tab) or broken Unicode.", row);
        }
        if (lat is null)
        {
            result.Add(latField, string.IsNullOrWhiteSpace(latText) ? "has no latitude." : $"latitude '{FieldErrors.Clip(latText)}' is not a number.", row);
        }
        else if (!Geo.IsValidLatitude(lat.Value))
        {
            result.Add(latField, $"latitude {lat.Value.ToString(CultureInfo.InvariantCulture)} is outside -90..90 (are lat and lng swapped?).", row);
        }
        if (lng is null)
        {
            result.Add(lngField, string.IsNullOrWhiteSpace(lngText) ? "has no longitude." : $"longitude '{FieldErrors.Clip(lngText)}' is not a number.", row);
        }
        else if (!Geo.IsValidLongitude(lng.Value))
        {
            result.Add(lngField, $"longitude {lng.Value.ToString(CultureInfo.InvariantCulture)} is outside -180..180.", row);
        }
        if (lat == 0 && lng == 0)
        {
            result.Add(latField, "is 0, 0 (in the Gulf of Guinea): almost always a missing coordinate.", row);
        }
        long? population = null;
        var p = populationText?.Trim().Trim('"');
        if (!string.IsNullOrEmpty(p))
        {
            if (double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v == Math.Floor(v) && v <= long.MaxValue / 2)
            {
                if (v < 0)
                {
                    result.Add($"{f}.population", $"is negative ({FieldErrors.Clip(p)}).", row);
                }
                population = (long)v;
            }
            else
            {
                result.Add($"{f}.population", $"'{FieldErrors.Clip(p)}' is not a whole number of people (no thousands separators).", row);
            }
        }
        string? cls = null;
        if (!string.IsNullOrWhiteSpace(classText))
        {
            cls = classText.Trim().Trim('"').ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
            if (!Vocabulary.SettlementClasses.Contains(cls))
            {
                result.Add($"{f}.settlement_class", $"unknown class '{FieldErrors.Clip(classText)}'; one of: {string.Join(", ", Vocabulary.SettlementClasses)}, or empty to derive it from the population.", row);
            }
        }
        string? region = null;
        if (!string.IsNullOrWhiteSpace(regionText))
        {
            region = regionText.Trim().Trim('"').ToUpperInvariant();
            if (!GapOptionsParser.IsRegionCode(region))
            {
                result.Add($"{f}.region_code", $"'{FieldErrors.Clip(regionText)}' is not a region code such as CR or CR-SJ (letters, digits, '-', '_', '.').", row);
            }
        }
        if (result.ErrorCount == errors)
        {
            result.Rows.Add(new DemandRow(row, n, lat!.Value, lng!.Value, population, cls, region));
            result.SawPopulation(row, population is not null);
        }
    }

    private static void Finish(DemandParse result)
    {
        if (result.FileErrorCount == 0)
        {
            result.ApplyPopulationRule();
        }
        if (result.Unnamed > 0)
        {
            result.Warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{result.Unnamed:N0} settlement(s) have no name; they are kept as unnamed settlements."));
        }
        if (result.ErrorCount == 0 && result.Rows.Count == 0)
        {
            result.Add("file", "has no settlements.");
        }
        if (result.ErrorCount == 0 && !result.HasPopulationColumn)
        {
            result.Warnings.Add("No population: each settlement counts once, settlement classes cannot be derived, and per-person figures (services per 100,000, 2SFCA) are not computed.");
        }
        // Valid-only keeps the valid rows of a readable file; otherwise one problem stores nothing.
        if (result.ErrorCount > 0 && (!result.ValidOnly || result.FileErrorCount > 0))
        {
            result.Rows.Clear();
        }
    }
}
