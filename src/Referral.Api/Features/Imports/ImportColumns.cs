using System.Globalization;
using System.Text.RegularExpressions;

namespace Referral.Api.Features.Imports;

/// <summary>
/// Names a CSV file's issues in the file's own words: the validator speaks of the service document it built from the
/// rows (<c>service_at_locations[0].location.latitude</c>, <c>phones[0].number</c>), but the user wrote a column
/// <c>lat</c> or <c>Tel.</c> on some line. Each issue's field becomes the header of the column it came from, exactly
/// as the header spells it, and an issue of a service's second location points at that location's row. A field no
/// column fills (a default of the mapping, a value the import made up) keeps its target name. JSON and HSDS imports
/// keep their JSON paths: there, those are the user's names.
/// </summary>
internal sealed partial class ImportColumns
{
    /// <summary>Target field → the header of the (first) column that fills it.</summary>
    private readonly Dictionary<string, string> _headers = new(StringComparer.Ordinal);

    public ImportColumns(IReadOnlyList<string> header, IReadOnlyList<string?> targets)
    {
        for (var i = 0; i < header.Count && i < targets.Count; i++)
        {
            if (targets[i] is { } target)
            {
                _headers.TryAdd(target, header[i]);
            }
        }
    }

    /// <summary>The issue with the user's column as its field, and the line of the row the field came from.</summary>
    public ImportIssue Name(ImportIssue issue, SourceRecord? source)
    {
        if (issue.Field is not { } field)
        {
            return issue;
        }
        var (target, location) = Target(field);
        var line = issue.Line;
        if (location is { } i && source is not null && i < source.LocationLines.Count && issue.File == source.Origin.File)
        {
            line = source.LocationLines[i];
        }
        return issue with { Field = Header(target), Line = line };
    }

    /// <summary>The header of the column filling <paramref name="target"/>, or the target's own name when no column does.</summary>
    public string Header(string target) => target switch
    {
        _ when _headers.TryGetValue(target, out var header) => header,
        // Positions may come from one "coordinates" column; organizations by id or by name; records by id or source id.
        "latitude" or "longitude" when _headers.TryGetValue("coordinates", out var pair) => pair,
        "organization_id" when _headers.TryGetValue("organization", out var org) => org,
        "organization" when _headers.TryGetValue("organization_id", out var orgId) => orgId,
        "id" when _headers.TryGetValue("source_id", out var sourceId) => sourceId,
        "location_name" when _headers.TryGetValue("name", out var name) => name,
        _ => target,
    };

    /// <summary>The flat target a document path comes from, and the index of the location it belongs to (if any).</summary>
    internal static (string Target, int? Location) Target(string field)
    {
        if (LocationPath().Match(field) is { Success: true } m)
        {
            var index = int.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture);
            var rest = m.Groups["rest"].Value;
            string target = rest switch
            {
                ".location.latitude" => "latitude",
                ".location.longitude" => "longitude",
                ".location.name" => "location_name",
                ".location.description" => "location_description",
                ".location.transportation" => "transportation",
                ".location.visibility" => "visibility",
                ".location.location_type" => "location_type",
                ".location.organization_id" => "organization_id",
                ".location.id" or ".location_id" or "" => "location_id",
                _ when rest.StartsWith(".location.accessibility", StringComparison.Ordinal) => "accessibility",
                _ when AddressPath().Match(rest) is { Success: true } a => a.Groups["column"].Value switch
                {
                    "address_1" or "address_2" or "city" or "region" or "state_province" or "postal_code" or "country" => a.Groups["column"].Value,
                    _ => "address_1",
                },
                _ => "latitude",
            };
            return (target, index);
        }
        if (ListPath().Match(field) is { Success: true } list)
        {
            return (list.Groups["name"].Value switch
            {
                "service_areas" => "service_area",
                "attributes" => "categories",
                "organization" => "organization",
                var other => other,
            }, null);
        }
        return (field switch
        {
            "service_at_locations" => "latitude",
            "available_24_7" or "available247" => "available_24_7",
            _ => field,
        }, null);
    }

    [GeneratedRegex(@"^service_at_locations\[(?<index>\d{1,6})\](?<rest>.*)$")]
    private static partial Regex LocationPath();

    [GeneratedRegex(@"^\.location\.addresses\[\d{1,6}\]\.(?<column>[a-z_0-9]+)")]
    private static partial Regex AddressPath();

    /// <summary><c>phones[0].number</c>, <c>categories[2]</c>, <c>organization.name</c>, <c>service_areas</c>.</summary>
    [GeneratedRegex(@"^(?<name>phones|categories|languages|genders|delivery_modes|audience|platforms|service_areas|attributes|organization)(\[|\.|$)")]
    private static partial Regex ListPath();
}
