using System.Text.Json.Serialization;

namespace Referral.Api.Features.Imports;

/// <summary>What an import reads: a flat table, GeoJSON features, HSDS service documents, or the HSDS tabular data package.</summary>
internal enum ImportFormat { Csv, GeoJson, Hsds, HsdsCsv }

/// <summary>All-or-nothing (the default) writes nothing when a record is rejected; valid-only writes the valid records.</summary>
internal enum ImportMode { AllOrNothing, ValidOnly }

/// <summary>
/// How large imports treat the secondary indexes of the tables they fill. <c>Auto</c> rebuilds them when the import
/// inserts more rows than the table holds (an initial load), which is several times faster but makes readers of those
/// tables wait until the import commits; <c>Keep</c> never does.
/// </summary>
internal enum IndexStrategy { Auto, Keep, Rebuild }

internal static class ImportFormats
{
    public static readonly IReadOnlyDictionary<string, ImportFormat> ByName = new Dictionary<string, ImportFormat>(StringComparer.OrdinalIgnoreCase)
    {
        ["csv"] = ImportFormat.Csv,
        ["geojson"] = ImportFormat.GeoJson,
        ["hsds"] = ImportFormat.Hsds,
        ["json"] = ImportFormat.Hsds,
        ["ndjson"] = ImportFormat.Hsds,
        ["hsds-csv"] = ImportFormat.HsdsCsv,
        ["hsds_csv"] = ImportFormat.HsdsCsv,
    };

    /// <summary>Every format name <see cref="ByName"/> knows (the OpenAPI enum).</summary>
    public static readonly string[] Names = [.. ByName.Keys];

    public static string Name(ImportFormat format) => format switch
    {
        ImportFormat.Csv => "csv",
        ImportFormat.GeoJson => "geojson",
        ImportFormat.Hsds => "hsds",
        _ => "hsds-csv",
    };

    /// <summary>The format a file name suggests (CLI), or null.</summary>
    public static ImportFormat? FromFileName(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".csv" or ".tsv" or ".txt" => ImportFormat.Csv,
        ".geojson" or ".geojsonl" or ".geojsons" => ImportFormat.GeoJson,
        ".json" or ".ndjson" or ".jsonl" => ImportFormat.Hsds,
        ".zip" => ImportFormat.HsdsCsv,
        _ => null,
    };
}

/// <summary>One import run's settings (API query string or CLI options).</summary>
internal sealed record ImportOptions
{
    public required ImportFormat Format { get; init; }

    /// <summary>The dataset's name; every imported record carries it with its id there, so a re-import updates.</summary>
    public required string Source { get; init; }

    public bool DryRun { get; init; }
    public ImportMode Mode { get; init; } = ImportMode.AllOrNothing;
    public CsvMapping Mapping { get; init; } = CsvMapping.Default;

    /// <summary>ISO 3166-1 alpha-2 country assumed for records that name none (positions are checked against it).</summary>
    public string? Country { get; init; }

    /// <summary>Flat formats: the existing organization every record belongs to (unless a column says otherwise).</summary>
    public Guid? OrganizationId { get; init; }

    /// <summary>The language (en, es, pt, fr) of names given to unnamed records.</summary>
    public string Language { get; init; } = "en";

    /// <summary>Flat formats: the name of the organization records belong to when no column names one.</summary>
    public string? OrganizationName { get; init; }

    /// <summary>How far outside its country's outline a point may lie before it is rejected (coasts, islands, coarse borders).</summary>
    public double BorderToleranceKm { get; init; } = 5;

    public IndexStrategy Indexes { get; init; } = IndexStrategy.Auto;

    /// <summary>Records per validation and staging batch.</summary>
    public int BatchSize { get; init; } = 20_000;

    /// <summary>At most this many issues of each kind are listed (all are counted).</summary>
    public int MaxListedIssues { get; init; } = 10_000;
}

/// <summary>
/// The data-quality report of one import: what was read, what was rejected and why (with file and line), warnings,
/// and exactly what was written. Returned by <c>POST /api/imports</c> and printed by the <c>import</c> verb.
/// </summary>
internal sealed record ImportReport
{
    /// <summary><c>committed</c> (written), <c>dry_run</c> (nothing written) or <c>rejected</c> (all-or-nothing: nothing written).</summary>
    public required string Status { get; init; }

    /// <summary>One sentence saying what happened.</summary>
    public required string Summary { get; init; }

    public required string Format { get; init; }
    public required string Source { get; init; }
    public required string Mode { get; init; }
    public bool DryRun { get; init; }

    /// <summary>True when the changes are in the database.</summary>
    public bool Committed { get; init; }

    public required ImportCounts Counts { get; init; }

    /// <summary>Rejected records, each with the reason (listed up to a limit; <see cref="ImportCounts.Rejected"/> counts all).</summary>
    public required IReadOnlyList<ImportIssue> Rejected { get; init; }

    public required IReadOnlyList<ImportIssue> Warnings { get; init; }

    /// <summary>Issues by code, e.g. <c>{"outside_country": 3}</c>.</summary>
    public required IReadOnlyDictionary<string, long> RejectedByCode { get; init; }

    public required IReadOnlyDictionary<string, long> WarningsByCode { get; init; }

    /// <summary>Things about the whole input: ignored columns and tables, assumptions made.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>Milliseconds per phase (read and validate, stage, merge, audit, indexes, commit).</summary>
    public required IReadOnlyDictionary<string, long> TimingsMs { get; init; }
}

internal sealed record ImportCounts
{
    /// <summary>Service records read (rows, features or documents; rows of one service count once).</summary>
    public long Records { get; init; }

    public long Valid { get; init; }
    public long Rejected { get; init; }

    /// <summary>Records with at least one warning.</summary>
    public long WithWarnings { get; init; }

    public required EntityCounts Services { get; init; }
    public required EntityCounts Locations { get; init; }
    public required EntityCounts Organizations { get; init; }

    /// <summary>Taxonomies and terms added from the input (existing ones are never changed by an import).</summary>
    public long TaxonomyTermsCreated { get; init; }
}

/// <summary>What the import did (or, in a dry run, would do) to one kind of record.</summary>
internal sealed record EntityCounts(long Created, long Updated, long Unchanged, long Deleted = 0);

/// <summary>
/// One problem found: a stable <see cref="Code"/>, the API's message for the same problem, where it is
/// (<see cref="File"/>, 1-based <see cref="Line"/>, the record's id in the source) and the field: in a CSV file the
/// column as its header spells it (<c>lat</c>), otherwise the JSON path (<c>service_at_locations[0].location.latitude</c>).
/// </summary>
internal sealed record ImportIssue(
    string Code,
    string Message,
    [property: JsonPropertyName("file")] string? File = null,
    long? Line = null,
    string? SourceId = null,
    string? Field = null);

/// <summary>Stable issue codes of the report.</summary>
internal static class IssueCodes
{
    // Rejections
    public const string MissingCoordinates = "missing_coordinates";
    public const string UnparsableCoordinates = "unparsable_coordinates";
    public const string CoordinatesOutOfRange = "coordinates_out_of_range";
    public const string CoordinatesSwapped = "coordinates_swapped";
    public const string NullIsland = "null_island";
    public const string OutsideCountry = "outside_country";
    public const string UnknownCategory = "unknown_category";
    public const string InvalidPhone = "invalid_phone";
    public const string MissingName = "missing_name";
    public const string UnknownReference = "unknown_reference";
    public const string InvalidValue = "invalid_value";
    public const string DuplicateId = "duplicate_id";
    public const string IdConflict = "id_conflict";
    public const string Unreadable = "unreadable";

    // Warnings
    public const string Unnamed = "unnamed";
    public const string ProbableDuplicate = "probable_duplicate";
    public const string NearBorder = "near_border";
    public const string ConflictingRows = "conflicting_rows";
    public const string NoId = "no_id";
    public const string Ignored = "ignored";
    public const string AreaFromCountry = "area_from_country";
    public const string PhoneAsWritten = "phone_as_written";
}

/// <summary>Progress of a running import, for the CLI's progress bar.</summary>
internal sealed record ImportProgress(string Phase, long Records, long BytesRead, long TotalBytes);
