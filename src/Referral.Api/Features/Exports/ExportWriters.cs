using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Exports;

internal enum ExportFormat { Hsds, HsdsCsv, GeoJson, Csv }

/// <summary>
/// What an export contains. <see cref="Exact"/> (admins only) shows every location as it is, hidden ones included;
/// otherwise every location is shown as the public sees it (LocationMapping: hidden ones left out, approximate ones
/// generalised and without address).
/// </summary>
internal sealed record ExportOptions(ExportFormat Format, bool Exact, bool Metadata)
{
    public string Locations => Exact ? "exact" : "public";

    /// <summary>Whom the export shows locations to (Actor.SeesExact): an admin for exact=true, else the public.</summary>
    public Access.Actor Viewer => Exact ? Access.Actor.System("export") : Access.Actor.Anonymous;

    public static readonly IReadOnlyDictionary<string, ExportFormat> ByName = new Dictionary<string, ExportFormat>(StringComparer.OrdinalIgnoreCase)
    {
        ["hsds"] = ExportFormat.Hsds,
        ["ndjson"] = ExportFormat.Hsds,
        ["hsds-csv"] = ExportFormat.HsdsCsv,
        ["hsds_csv"] = ExportFormat.HsdsCsv,
        ["geojson"] = ExportFormat.GeoJson,
        ["csv"] = ExportFormat.Csv,
    };

    /// <summary>Every format name <see cref="ByName"/> knows (the OpenAPI enum).</summary>
    public static readonly string[] Names = [.. ByName.Keys];

    public (string ContentType, string Extension) Media => Format switch
    {
        ExportFormat.Hsds => ("application/x-ndjson; charset=utf-8", "ndjson"),
        ExportFormat.HsdsCsv => ("application/zip", "zip"),
        ExportFormat.GeoJson => ("application/geo+json; charset=utf-8", "geojson"),
        _ => ("text/csv; charset=utf-8", "csv"),
    };
}

/// <summary>Writes a whole-directory export to a stream, in constant memory (the zip's tables go through temporary files).</summary>
internal static class ExportWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static async Task<long> WriteAsync(Stream output, ExportOptions options, ExportQueries queries, CancellationToken ct) => options.Format switch
    {
        ExportFormat.Hsds => await WriteNdjsonAsync(output, options, queries, ct),
        ExportFormat.Csv => await WriteCsvAsync(output, options, queries, ct),
        ExportFormat.GeoJson => await WriteGeoJsonAsync(output, options, queries, ct),
        _ => await HsdsPackageWriter.WriteAsync(output, options, queries, ct),
    };

    private static ServiceDocument Document(Service s, ExportOptions options, ExportQueries queries) =>
        ServiceMapping.ToDocument(s, options.Viewer, queries.Now);

    /// <summary>HSDS 3.1 service documents, one per line, as <c>GET /api/services/{id}</c> returns them (ndjson).</summary>
    private static async Task<long> WriteNdjsonAsync(Stream output, ExportOptions options, ExportQueries queries, CancellationToken ct)
    {
        long count = 0;
        var batch = new List<Service>(ExportQueries.Batch);
        await foreach (var s in queries.ServicesAsync(queries.Services, ct))
        {
            batch.Add(s);
            if (batch.Count == ExportQueries.Batch)
            {
                count += await FlushAsync();
            }
        }
        count += await FlushAsync();
        return count;

        async Task<long> FlushAsync()
        {
            if (batch.Count == 0)
            {
                return 0;
            }
            var metadata = options.Metadata ? await queries.MetadataAsync("service", [.. batch.Select(s => s.Id)], options.Exact, ct) : null;
            using var buffer = new MemoryStream();
            foreach (var s in batch)
            {
                var doc = Document(s, options, queries);
                if (metadata is null)
                {
                    JsonSerializer.Serialize(buffer, doc, JsonSetup.Options);
                }
                else
                {
                    using var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonSetup.Options.Encoder });
                    ExportQueries.WithMetadata(doc, metadata.GetValueOrDefault(s.Id)).WriteTo(w, JsonSetup.Options);
                }
                buffer.WriteByte((byte)'\n');
            }
            buffer.Position = 0;
            await buffer.CopyToAsync(output, ct);
            var n = batch.Count;
            batch.Clear();
            return n;
        }
    }

    private static async Task<long> WriteCsvAsync(Stream output, ExportOptions options, ExportQueries queries, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, Utf8, 1 << 16, leaveOpen: true);
        var csv = new CsvOutput(writer);
        await csv.WriteRowAsync(FlatExport.Columns);
        long count = 0;
        await foreach (var s in queries.ServicesAsync(queries.Services, ct))
        {
            foreach (var row in FlatExport.Rows(Document(s, options, queries)))
            {
                await csv.WriteRowAsync(row.Select(FlatExport.Text));
                count++;
            }
        }
        await writer.FlushAsync(ct);
        return count;
    }

    /// <summary>A FeatureCollection: one Point feature per service at a location (no geometry for a service without one).</summary>
    private static async Task<long> WriteGeoJsonAsync(Stream output, ExportOptions options, ExportQueries queries, CancellationToken ct)
    {
        await using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JsonSetup.Options.Encoder });
        w.WriteStartObject();
        w.WriteString("type", "FeatureCollection");
        // A foreign member (RFC 7946 §6.1): whether locations are exact or as the public sees them.
        w.WriteString("referral_locations", options.Locations);
        w.WriteStartArray("features");
        long count = 0;
        var latitude = FlatExport.Index("latitude");
        var longitude = FlatExport.Index("longitude");
        await foreach (var s in queries.ServicesAsync(queries.Services, ct))
        {
            foreach (var row in FlatExport.Rows(Document(s, options, queries)))
            {
                w.WriteStartObject();
                w.WriteString("type", "Feature");
                w.WritePropertyName("geometry");
                if (row[latitude] is double lat && row[longitude] is double lng)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "Point");
                    w.WriteStartArray("coordinates");
                    w.WriteNumberValue(lng);
                    w.WriteNumberValue(lat);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNullValue();
                }
                w.WriteStartObject("properties");
                for (var i = 0; i < FlatExport.Columns.Length; i++)
                {
                    if (i != latitude && i != longitude && row[i] is not null)
                    {
                        w.WritePropertyName(FlatExport.Columns[i]);
                        FlatExport.Write(w, row[i]);
                    }
                }
                w.WriteEndObject();
                w.WriteEndObject();
                count++;
            }
            if (w.BytesPending > 1 << 16)
            {
                await w.FlushAsync(ct);
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
        await w.FlushAsync(ct);
        return count;
    }
}

/// <summary>
/// The HSDS 3.1 tabular data package: the standard CSV tables (with the columns of the official <c>datapackage.json</c>),
/// our additions in <c>referral_*.csv</c> tables beside them, and a <c>datapackage.json</c> describing what is there.
/// Rows are in id order and the zip entries carry a fixed date, so the same directory always gives the same bytes.
/// </summary>
internal static class HsdsPackageWriter
{
    private static readonly DateTimeOffset EntryDate = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly (string Table, string[] Columns)[] Tables =
    [
        ("organizations", ["id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id", "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id"]),
        ("services", ["id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email", "status", "interpretation_services", "application_process", "fees_description", "wait_time", "fees", "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date", "assurer_email", "licenses", "alert", "last_modified"]),
        ("locations", ["id", "location_type", "url", "organization_id", "name", "alternate_name", "description", "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type"]),
        ("addresses", ["id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province", "postal_code", "country", "address_type"]),
        ("accessibility", ["id", "location_id", "description", "details", "url"]),
        ("service_at_location", ["id", "service_id", "location_id", "description"]),
        ("phones", ["id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id", "number", "extension", "type", "description"]),
        ("languages", ["id", "service_id", "location_id", "phone_id", "name", "code", "note"]),
        ("schedules", ["id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart", "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday", "byyearday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes"]),
        ("service_areas", ["id", "service_id", "service_at_location_id", "name", "description", "extent", "extent_type", "uri"]),
        ("attributes", ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label"]),
        ("taxonomies", ["id", "name", "description", "uri", "version"]),
        ("taxonomy_terms", ["id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri"]),
        ("metadata", ["id", "resource_id", "resource_type", "last_action_date", "last_action_type", "field_name", "previous_value", "replacement_value", "updated_by"]),
        ("referral_services", ["service_id", "is_free", "available_24_7", "genders", "delivery_modes", "audience", "platforms", "demo"]),
        ("referral_locations", ["location_id", "visibility", "demo"]),
        ("referral_schedules", ["schedule_id", "time_zone"]),
        ("referral_service_areas", ["service_area_id", "region_codes"]),
    ];

    public static async Task<long> WriteAsync(Stream output, ExportOptions options, ExportQueries queries, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("referral-export-");
        try
        {
            var tables = Tables.Where(t => t.Table != "metadata" || options.Metadata)
                .ToDictionary(t => t.Table, t => new Table(Path.Combine(folder.FullName, t.Table + ".csv"), t.Columns));
            foreach (var t in tables.Values)
            {
                await t.Csv.WriteRowAsync(t.Columns);
            }
            var count = await WriteRowsAsync(tables, options, queries, ct);
            foreach (var t in tables.Values)
            {
                await t.Writer.DisposeAsync();
            }
            var zipPath = Path.Combine(folder.FullName, "package.zip");
            using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
            {
                var descriptor = zip.CreateEntry("datapackage.json", CompressionLevel.Optimal);
                descriptor.LastWriteTime = EntryDate;
                await using (var s = await descriptor.OpenAsync(ct))
                {
                    await JsonSerializer.SerializeAsync(s, DataPackage(tables, options), Indented, ct);
                }
                foreach (var (name, t) in tables)
                {
                    var entry = zip.CreateEntry(name + ".csv", CompressionLevel.Optimal);
                    entry.LastWriteTime = EntryDate;
                    await using var to = await entry.OpenAsync(ct);
                    await using var from = File.OpenRead(t.Path);
                    await from.CopyToAsync(to, ct);
                }
            }
            await using (var zipped = File.OpenRead(zipPath))
            {
                await zipped.CopyToAsync(output, ct);
            }
            return count;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<long> WriteRowsAsync(Dictionary<string, Table> t, ExportOptions options, ExportQueries queries, CancellationToken ct)
    {
        await foreach (var o in ExportQueries.OrganizationsAsync(queries.Organizations, ct))
        {
            var d = OrganizationMapping.ToDocument(o);
            await t["organizations"].RowAsync(d.Id, d.Name, d.AlternateName, d.Description, d.Email, d.Website, null, null, d.YearIncorporated, d.LegalStatus, null, null, null);
        }
        var locations = new HashSet<Guid>();
        var terms = new SortedDictionary<Guid, TaxonomyTermDocument>();
        long count = 0;
        var batch = new List<Service>();
        await foreach (var s in queries.ServicesAsync(queries.Services, ct))
        {
            batch.Add(s);
            if (batch.Count == ExportQueries.Batch)
            {
                await FlushAsync();
            }
        }
        await FlushAsync();
        var taxonomies = new SortedDictionary<Guid, TaxonomyDocument>();
        foreach (var term in terms.Values)
        {
            await t["taxonomy_terms"].RowAsync(term.Id, term.Code, term.Name, term.Description, term.ParentId, term.Taxonomy, null, term.TaxonomyId, term.TermUri);
            if (term.TaxonomyDetail is { } x)
            {
                taxonomies[x.Id] = x;
            }
        }
        foreach (var x in taxonomies.Values)
        {
            await t["taxonomies"].RowAsync(x.Id, x.Name, x.Description, x.Uri, x.Version);
        }
        return count;

        async Task FlushAsync()
        {
            var metadata = options.Metadata && batch.Count > 0 ? await queries.MetadataAsync("service", [.. batch.Select(s => s.Id)], options.Exact, ct) : null;
            foreach (var s in batch)
            {
                count++;
                var doc = ServiceMapping.ToDocument(s, options.Viewer, queries.Now);
                await t["services"].RowAsync(doc.Id, doc.OrganizationId, null, doc.Name, doc.AlternateName, doc.Description, doc.Url, doc.Email, doc.Status,
                    doc.InterpretationServices, doc.ApplicationProcess, doc.FeesDescription, null, null, null, doc.EligibilityDescription, doc.MinimumAge,
                    doc.MaximumAge, doc.AssuredDate, doc.AssurerEmail, null, doc.Alert, doc.LastModified?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
                await t["referral_services"].RowAsync(doc.Id, doc.IsFree, doc.Available247, Join(doc.Genders), Join(doc.DeliveryModes), Join(doc.Audience), Join(doc.Platforms), doc.Demo);
                foreach (var l in doc.Languages ?? [])
                {
                    await t["languages"].RowAsync(l.Id, doc.Id, null, null, l.Name, l.Code, null);
                }
                foreach (var p in doc.Phones ?? [])
                {
                    await t["phones"].RowAsync(p.Id, null, doc.Id, null, null, null, p.Number, p.Extension, p.Type, p.Description);
                    foreach (var l in p.Languages ?? [])
                    {
                        await t["languages"].RowAsync(l.Id, null, null, p.Id, l.Name, l.Code, null);
                    }
                }
                foreach (var x in doc.Schedules ?? [])
                {
                    await t["schedules"].RowAsync(x.Id, doc.Id, null, null, x.ValidFrom, x.ValidTo, null, x.Timezone, null, null, null, x.Freq, null, x.Byday,
                        null, null, null, x.Description, x.OpensAt, x.ClosesAt, null, null, x.Notes);
                    await t["referral_schedules"].RowAsync(x.Id, x.TimeZone);
                }
                foreach (var a in doc.ServiceAreas ?? [])
                {
                    await t["service_areas"].RowAsync(a.Id, doc.Id, null, a.Name, a.Description, a.Extent is { ValueKind: JsonValueKind.String } e ? e.GetString() : null, a.ExtentType, null);
                    if (a.RegionCodes is { Length: > 0 } codes)
                    {
                        await t["referral_service_areas"].RowAsync(a.Id, Join(codes));
                    }
                }
                foreach (var a in doc.Attributes ?? [])
                {
                    await t["attributes"].RowAsync(a.Id, a.LinkId, a.TaxonomyTermId, a.LinkType, a.LinkEntity, a.Value, null);
                    if (a.TaxonomyTerm is { } term)
                    {
                        terms[term.Id] = term;
                    }
                }
                foreach (var sal in doc.ServiceAtLocations ?? [])
                {
                    await t["service_at_location"].RowAsync(sal.Id, doc.Id, sal.LocationId, sal.Description);
                    if (sal.Location is { Id: { } locationId } l && locations.Add(locationId))
                    {
                        await WriteLocationAsync(t, l);
                    }
                }
                if (metadata?.GetValueOrDefault(s.Id) is { } entries)
                {
                    foreach (var m in entries.OfType<JsonObject>())
                    {
                        await t["metadata"].RowAsync(m["id"]?.ToString(), m["resource_id"]?.ToString(), m["resource_type"]?.ToString(), m["last_action_date"]?.ToString(),
                            m["last_action_type"]?.ToString(), m["field_name"]?.ToString(), m["previous_value"]?.ToString(), m["replacement_value"]?.ToString(), m["updated_by"]?.ToString());
                    }
                }
            }
            batch.Clear();
        }
    }

    private static async Task WriteLocationAsync(Dictionary<string, Table> t, LocationDocument l)
    {
        await t["locations"].RowAsync(l.Id, l.LocationType, l.Url, l.OrganizationId, l.Name, l.AlternateName, l.Description, l.Transportation, l.Latitude, l.Longitude, null, null);
        await t["referral_locations"].RowAsync(l.Id, l.Visibility, l.Demo);
        foreach (var a in l.Addresses ?? [])
        {
            await t["addresses"].RowAsync(a.Id, l.Id, a.Attention, a.Address1, a.Address2, a.City, a.Region, a.StateProvince, a.PostalCode, a.Country, a.AddressType);
        }
        foreach (var a in l.Accessibility ?? [])
        {
            await t["accessibility"].RowAsync(a.Id, l.Id, a.Description, null, null);
        }
    }

    private static string? Join(string[]? values) => values is { Length: > 0 } ? string.Join(";", values) : null;

    /// <summary>The Frictionless descriptor, after the official HSDS one (CC BY-SA 4.0, Open Referral), listing the tables written.</summary>
    private static JsonObject DataPackage(Dictionary<string, Table> tables, ExportOptions options) => new()
    {
        ["name"] = "referral_hsds_export",
        ["title"] = "Referral directory export (HSDS 3.1 tabular data package)",
        ["profile"] = "tabular-data-package",
        ["version"] = "3.1",
        ["homepage"] = "http://docs.openreferral.org",
        ["referral_locations"] = options.Locations,
        ["sources"] = new JsonArray(new JsonObject
        {
            ["title"] = "Human Services Data Specification: an Open Referral resource (https://openreferral.org/)",
            ["path"] = "https://github.com/openreferral/specification",
        }),
        ["resources"] = new JsonArray([.. tables.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Key,
            ["path"] = t.Key + ".csv",
            ["profile"] = "tabular-data-resource",
            ["schema"] = new JsonObject
            {
                ["fields"] = new JsonArray([.. t.Value.Columns.Select(c => (JsonNode)new JsonObject { ["name"] = c, ["type"] = "string" })]),
            },
        })]),
    };

    private sealed class Table
    {
        public Table(string path, string[] columns)
        {
            Path = path;
            Columns = columns;
            Writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
            Csv = new CsvOutput(Writer);
        }

        public string Path { get; }
        public string[] Columns { get; }
        public StreamWriter Writer { get; }
        public CsvOutput Csv { get; }

        public Task RowAsync(params object?[] values) => Csv.WriteRowAsync(values.Select(Text));

        private static string Text(object? value) => value switch
        {
            null => "",
            Guid g => g.ToString(),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }
}
