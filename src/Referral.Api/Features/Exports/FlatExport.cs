using System.Globalization;
using System.Text;
using System.Text.Json;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Exports;

/// <summary>
/// The flat view of the directory for spreadsheets and GIS (CSV and GeoJSON exports): one row per service at a location,
/// one row for a service without a (visible) location. The column names are the ones the CSV import recognises without a
/// mapping file, so an export imports back unchanged. Lists are separated by <c>"; "</c>.
/// </summary>
internal static class FlatExport
{
    public static readonly string[] Columns =
    [
        "id", "name", "alternate_name", "description", "status", "categories", "organization_id", "organization", "url", "email",
        "phones", "languages", "minimum_age", "maximum_age", "is_free", "available_24_7", "delivery_modes", "audience", "genders",
        "platforms", "service_area", "location_id", "location_name", "location_type", "visibility", "latitude", "longitude", "address_1", "city",
        "state_province", "postal_code", "country", "last_modified", "source", "source_id",
    ];

    public const string Separator = "; ";

    /// <summary>A row's values by column: strings, numbers, booleans or string lists; null when empty.</summary>
    public static IEnumerable<object?[]> Rows(ServiceDocument doc)
    {
        var service = new object?[Columns.Length];
        Set(service, "id", doc.Id?.ToString());
        Set(service, "name", doc.Name);
        Set(service, "alternate_name", doc.AlternateName);
        Set(service, "description", doc.Description);
        Set(service, "status", doc.Status);
        Set(service, "categories", List(doc.Categories));
        Set(service, "organization_id", doc.OrganizationId?.ToString());
        Set(service, "organization", doc.Organization?.Name);
        Set(service, "url", doc.Url);
        Set(service, "email", doc.Email);
        // Sorted, so the column does not depend on the phones' ids (which an import may assign anew).
        Set(service, "phones", List(doc.Phones?.Select(p => p.Number).OfType<string>().Order(StringComparer.Ordinal).ToArray()));
        Set(service, "languages", List(doc.Languages?.Select(l => l.Code).OfType<string>().ToArray()));
        Set(service, "minimum_age", doc.MinimumAge);
        Set(service, "maximum_age", doc.MaximumAge);
        Set(service, "is_free", doc.IsFree);
        Set(service, "available_24_7", doc.Available247 == true ? true : null);
        Set(service, "delivery_modes", List(doc.DeliveryModes));
        Set(service, "audience", List(doc.Audience));
        Set(service, "genders", List(doc.Genders));
        Set(service, "platforms", List(doc.Platforms));
        // The region codes of the service's areas (an outline drawn by hand does not fit a cell): the import reads them
        // back, so a service without a site keeps the area it serves.
        Set(service, "service_area", List(doc.ServiceAreas?.SelectMany(a => a.RegionCodes ?? []).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToArray()));
        Set(service, "last_modified", doc.LastModified?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        // The service's id in the system it came from, so a planner can join an export back to the source list.
        Set(service, "source", doc.Source);
        Set(service, "source_id", doc.SourceId);
        var locations = (doc.ServiceAtLocations ?? []).Where(x => x.Location is not null).OrderBy(x => x.Location!.Id).ToList();
        if (locations.Count == 0)
        {
            yield return service;
            yield break;
        }
        foreach (var sal in locations)
        {
            var l = sal.Location!;
            var row = (object?[])service.Clone();
            Set(row, "location_id", l.Id?.ToString());
            Set(row, "location_name", l.Name);
            Set(row, "location_type", l.LocationType);
            Set(row, "visibility", l.Visibility);
            Set(row, "latitude", l.Latitude);
            Set(row, "longitude", l.Longitude);
            if (l.Addresses is [var a, ..])
            {
                Set(row, "address_1", a.Address1 is { Length: > 0 } line ? line : null);
                Set(row, "city", a.City is { Length: > 0 } city ? city : null);
                Set(row, "state_province", a.StateProvince is { Length: > 0 } state ? state : null);
                Set(row, "postal_code", a.PostalCode is { Length: > 0 } code ? code : null);
                Set(row, "country", a.Country);
            }
            yield return row;
        }
    }

    public static int Index(string column) => Array.IndexOf(Columns, column);

    private static void Set(object?[] row, string column, object? value) => row[Index(column)] = value;

    private static string[]? List(string[]? values) => values is { Length: > 0 } ? values : null;

    /// <summary>A value as CSV text (invariant culture; lists joined).</summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        string[] list => string.Join(Separator, list),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>A value as a GeoJSON property.</summary>
    public static void Write(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case string[] list:
                w.WriteStartArray();
                foreach (var item in list)
                {
                    w.WriteStringValue(item);
                }
                w.WriteEndArray();
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case double d:
                w.WriteNumberValue(d);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            default:
                w.WriteStringValue(Text(value));
                break;
        }
    }
}

/// <summary>RFC 4180 output with CRLF rows; every field is escaped by <see cref="CsvText.Field"/> (formula guard and quoting).</summary>
internal sealed class CsvOutput(TextWriter writer)
{
    public async Task WriteRowAsync(IEnumerable<string> fields)
    {
        var sb = new StringBuilder();
        var first = true;
        foreach (var field in fields)
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            sb.Append(CsvText.Field(field));
        }
        sb.Append("\r\n");
        await writer.WriteAsync(sb);
    }
}
