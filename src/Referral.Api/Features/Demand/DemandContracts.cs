using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Referral.Api.Features.Demand;

/// <summary>A demand dataset with a summary of its settlements. ★ not part of HSDS.</summary>
internal sealed record DemandDatasetDocument(
    Guid Id,
    string Name,
    string? Description,
    string? Source,
    string? License,
    bool IsDemo,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt,
    int Settlements,
    long? Population,
    int WithPopulation,
    int WithClass,
    int WithRegionCode);

/// <summary>One settlement of a JSON import body (<c>{"name": …, "points": [ … ]}</c>).</summary>
internal sealed record DemandPointInput(
    string? Name = null,
    double? Lat = null,
    double? Lng = null,
    long? Population = null,
    string? SettlementClass = null,
    string? RegionCode = null);

/// <summary>What an import stored, and what a planner should know about it.</summary>
internal sealed record DemandImportReport(
    DemandDatasetDocument Dataset,
    string Format,
    int Rows,
    int Imported,
    bool Replaced,
    IReadOnlyList<string> Warnings,
    [property: Description("Rows skipped as invalid (valid_only=true); 0 otherwise.")] int Rejected = 0,
    [property: Description("Valid-only imports: why each skipped row was refused (rows[N].field, N = 1-based data row).")] Dictionary<string, string[]>? Errors = null)
{
    /// <summary>How the file's region codes were read: the directory's own, mapped from another scheme, or unknown (with examples).</summary>
    public Regions.RegionCodeReport? RegionCodes { get; init; }
}

/// <summary>Query parameters of POST /api/demand_datasets (also accepted as multipart form fields).</summary>
internal sealed record DemandImportQuery(
    [property: Description("Dataset name (unique). For GeoJSON the FeatureCollection's own \"name\" is used when absent.")][property: FromQuery(Name = "name")] string? Name = null,
    [property: Description("Replace the points of the dataset with this name, keeping its id (analyses of it then recompute).")][property: FromQuery(Name = "replace")] bool? Replace = null,
    [property: Description("csv or geojson; by default from the content type or file name.")][property: FromQuery(Name = "format")] string? Format = null,
    [property: Description("A description of the dataset.")][property: FromQuery(Name = "description")] string? Description = null,
    [property: Description("Where the data comes from.")][property: FromQuery(Name = "source")] string? Source = null,
    [property: Description("The data's licence, e.g. CC BY 4.0.")][property: FromQuery(Name = "license")] string? License = null,
    [property: Description("Store the valid settlements and report the invalid ones (rejected, errors) instead of storing nothing.")][property: FromQuery(Name = "valid_only")] bool? ValidOnly = null);

/// <summary>
/// One region of a region import, and what happened to it: <c>code_from</c> names the property the code was read from
/// when it was not <c>code</c> (Natural Earth's <c>ISO_A2</c>, <c>iso_3166_2</c>, …), <c>merged</c> how many features
/// were joined into it (Natural Earth units of one ISO country), <c>cut_at_antimeridian</c> whether an outline crossing
/// longitude ±180 was split there.
/// </summary>
internal sealed record RegionImportItem(string Code, string Status, string? Repaired, string? CodeFrom = null, int? Merged = null, bool? CutAtAntimeridian = null);

/// <summary>What a region import did; <c>skipped</c> lists features left out (no ISO code in a Natural Earth file), with why.</summary>
internal sealed record RegionImportReport(int Created, int Updated, int Repaired, IReadOnlyList<RegionImportItem> Regions, IReadOnlyList<string>? Skipped = null);
