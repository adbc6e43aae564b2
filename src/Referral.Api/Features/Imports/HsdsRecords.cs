using System.Globalization;
using System.Text;
using System.Text.Json;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Imports;

/// <summary>HSDS 3.1 service documents (one, an array, newline-delimited, or an API page) as import records.</summary>
internal static class HsdsJsonRecords
{
    public static SourceRecord FromJson(JsonRecord json, string file, int ordinal)
    {
        var origin = new Origin(file, json.Line);
        ServiceDocument? doc;
        string? error = null;
        try
        {
            doc = JsonSerializer.Deserialize<ServiceDocument>(json.Utf8, JsonSetup.Options);
            if (doc is null)
            {
                error = "a record must be a JSON object (an HSDS service), not null.";
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            doc = null;
            var where = ex is JsonException { Path: { Length: > 0 } path } ? $" at {path}" : "";
            error = $"not a valid HSDS service document{where}: {FirstSentence(ex.Message)}";
        }
        if (doc is null)
        {
            var broken = new SourceRecord { Doc = new ServiceDocument(), Origin = origin, Key = $"#{ordinal}" };
            broken.Issues.Add(new ImportIssue(IssueCodes.InvalidValue, error!, file, json.Line, null, null));
            return broken;
        }
        return FromDocument(doc, origin, ordinal);
    }

    public static SourceRecord FromDocument(ServiceDocument doc, Origin origin, int ordinal)
    {
        var record = new SourceRecord { Doc = doc, Origin = origin, Key = doc.Id?.ToString() ?? $"#{ordinal}" };
        if (doc.Id is null)
        {
            record.Issues.Add(new ImportIssue(IssueCodes.NoId, "the service has no id; a re-import will create it again instead of updating it.",
                origin.File, origin.Line, null, "id"));
        }
        // A nested organization is written with the service when it says which one it is (its id or the service's organization_id).
        if (doc.Organization is { } org && (org.Id ?? doc.OrganizationId) is not null && (org.Id is null || doc.OrganizationId is null || org.Id == doc.OrganizationId))
        {
            record.Organization = org;
            record.OrganizationKey = (org.Id ?? doc.OrganizationId)?.ToString();
            record.Doc = doc with { OrganizationId = doc.OrganizationId ?? org.Id };
        }
        foreach (var a in doc.Attributes ?? [])
        {
            if (a?.TaxonomyTerm is { } term)
            {
                record.Terms.Add(term);
            }
        }
        return record;
    }

    private static string FirstSentence(string message) =>
        message.IndexOf(". ", StringComparison.Ordinal) is var i and > 0 ? message[..(i + 1)] : message;
}

/// <summary>
/// The HSDS tabular data package (<c>services.csv</c>, <c>organizations.csv</c>, <c>locations.csv</c>, …, as in the
/// HSDS 3.1 examples) assembled into service documents. Tables Referral does not store (contacts, programs, funding, …)
/// are named in the report's notes. Our own additions travel in <c>referral_*.csv</c> tables beside the standard ones.
/// </summary>
internal sealed class HsdsPackage
{
    private static readonly string[] Unstored =
    [
        "contacts", "cost_options", "funding", "programs", "required_documents", "metadata", "meta_table_descriptions",
        "organization_identifiers", "service_capacity", "units", "url",
    ];

    private readonly Dictionary<string, Table> _tables;

    private HsdsPackage(Dictionary<string, Table> tables) => _tables = tables;

    public List<OrganizationRecord> Organizations { get; } = [];
    public List<SourceRecord> Services { get; } = [];
    public List<string> Notes { get; } = [];

    public static HsdsPackage Read(ImportInput input)
    {
        var tables = new Dictionary<string, Table>(StringComparer.OrdinalIgnoreCase);
        var notes = new List<string>();
        foreach (var file in input.Files)
        {
            if (file.Name.Equals("datapackage.json", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!file.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                notes.Add($"{file.Name}: not a CSV table; ignored.");
                continue;
            }
            tables[Path.GetFileNameWithoutExtension(file.Name)] = Table.Read(file);
        }
        if (!tables.ContainsKey("services"))
        {
            throw new ImportInputException("the data package has no services.csv.");
        }
        var package = new HsdsPackage(tables);
        package.Notes.AddRange(notes);
        package.Assemble();
        return package;
    }

    private Table Get(string name) => _tables.GetValueOrDefault(name) ?? Table.Empty(name + ".csv");

    private void Assemble()
    {
        foreach (var name in Unstored)
        {
            if (_tables.TryGetValue(name, out var t) && t.Rows.Count > 0)
            {
                Notes.Add($"{t.File}: {t.Rows.Count} row(s) not imported (Referral does not store {name.Replace('_', ' ')}).");
            }
        }
        var origins = new Dictionary<object, Origin>(ReferenceEqualityComparer.Instance);
        foreach (var row in Get("organizations").Rows)
        {
            var doc = new OrganizationDocument
            {
                Id = row.Guid("id"),
                Name = row["name"],
                AlternateName = row["alternate_name"],
                Description = row["description"],
                Email = row["email"],
                Website = row["website"],
                LegalStatus = row["legal_status"],
                YearIncorporated = row.Int("year_incorporated"),
            };
            Organizations.Add(new OrganizationRecord(doc, row.Origin));
        }

        var taxonomies = Get("taxonomies").Rows.Where(r => r.Guid("id") is not null).ToDictionary(r => r.Guid("id")!.Value);
        var terms = Get("taxonomy_terms").Rows.Where(r => r.Guid("id") is not null).ToDictionary(r => r.Guid("id")!.Value);
        var extServices = Index(Get("referral_services"), "service_id");
        var extLocations = Index(Get("referral_locations"), "location_id");
        var extSchedules = Index(Get("referral_schedules"), "schedule_id");
        var extAreas = Index(Get("referral_service_areas"), "service_area_id");

        var addresses = Group(Get("addresses"), "location_id");
        var accessibility = Group(Get("accessibility"), "location_id");
        var locations = new Dictionary<Guid, (Row Row, LocationDocument Doc)>();
        foreach (var row in Get("locations").Rows)
        {
            if (row.Guid("id") is not { } id)
            {
                continue;
            }
            var ext = extLocations.GetValueOrDefault(id);
            var addressDocs = addresses.GetValueOrDefault(id, []).Select(a =>
            {
                var address = new AddressDocument
                {
                    Id = a.Guid("id"),
                    Attention = a["attention"],
                    Address1 = a["address_1"],
                    Address2 = a["address_2"],
                    City = a["city"],
                    Region = a["region"],
                    StateProvince = a["state_province"],
                    PostalCode = a["postal_code"],
                    Country = a["country"],
                    AddressType = a["address_type"],
                };
                origins[address] = a.Origin;
                return address;
            }).ToArray();
            var doc = new LocationDocument
            {
                Id = id,
                OrganizationId = row.Guid("organization_id"),
                LocationType = row["location_type"],
                Url = row["url"],
                Name = row["name"],
                AlternateName = row["alternate_name"],
                Description = row["description"],
                Transportation = row["transportation"],
                Latitude = FlatRecordBuilder.Number(row["latitude"]),
                Longitude = FlatRecordBuilder.Number(row["longitude"]),
                Addresses = addressDocs,
                Accessibility = accessibility.GetValueOrDefault(id, []).Select(a => new AccessibilityDocument { Description = a["description"] }).Take(1).ToArray(),
                Visibility = ext?["visibility"],
                Demo = ext?.Bool("demo"),
            };
            origins[doc] = row.Origin;
            locations[id] = (row, doc);
        }

        var services = Get("services").Rows;
        var serviceIds = services.Select(r => r.Guid("id")).OfType<Guid>().ToHashSet();
        var sals = Group(Get("service_at_location"), "service_id", Get("service_at_locations"));
        var salService = sals.SelectMany(g => g.Value.Select(r => (Sal: r.Guid("id"), Service: g.Key))).Where(x => x.Sal is not null).ToDictionary(x => x.Sal!.Value, x => x.Service);
        var phones = Group(Get("phones"), "service_id");
        var languages = Get("languages").Rows;
        // A language row may name a service, a phone, or both (then it counts for both).
        var serviceLanguages = languages.Where(r => r.Guid("service_id") is not null).GroupBy(r => r.Guid("service_id")!.Value).ToDictionary(g => g.Key, g => g.ToList());
        var phoneLanguages = languages.Where(r => r.Guid("phone_id") is not null).GroupBy(r => r.Guid("phone_id")!.Value).ToDictionary(g => g.Key, g => g.ToList());
        var schedules = Get("schedules").Rows
            .Select(r => (Row: r, Service: r.Guid("service_id") ?? (r.Guid("service_at_location_id") is { } sal ? salService.GetValueOrDefault(sal) : null)))
            .Where(x => x.Service is not null).GroupBy(x => x.Service!.Value).ToDictionary(g => g.Key, g => g.Select(x => x.Row).ToList());
        var areas = Group(Get("service_areas"), "service_id");
        var attributes = Get("attributes").Rows.Where(r => r.Guid("link_id") is { } l && serviceIds.Contains(l)).GroupBy(r => r.Guid("link_id")!.Value).ToDictionary(g => g.Key, g => g.ToList());

        NoteOrphans(Get("phones"), "service_id", serviceIds, "phones that belong to no service in services.csv (location or organization phones are not stored)");
        NoteOrphans(Get("attributes"), "link_id", serviceIds, "attributes that link no service in services.csv");
        NoteOrphans(Get("service_at_location").Rows.Count > 0 ? Get("service_at_location") : Get("service_at_locations"), "service_id", serviceIds, "service_at_location rows of services not in services.csv");

        var ordinal = 0;
        foreach (var row in services)
        {
            ordinal++;
            if (row.Guid("id") is not { } id)
            {
                var broken = new SourceRecord { Doc = new ServiceDocument(), Origin = row.Origin, Key = row["id"] ?? $"#{ordinal}" };
                broken.Issues.Add(new ImportIssue(IssueCodes.InvalidValue, row["id"] is null ? "is required." : $"'{FieldErrors.Clip(row["id"]!)}' is not a UUID.",
                    row.Origin.File, row.Origin.Line, row["id"], "id"));
                Services.Add(broken);
                continue;
            }
            var ext = extServices.GetValueOrDefault(id);
            var categories = new List<string>();
            var attributeDocs = new List<AttributeDocument>();
            var termDocs = new List<TaxonomyTermDocument>();
            foreach (var a in attributes.GetValueOrDefault(id, []))
            {
                var termId = a.Guid("taxonomy_term_id");
                var term = termId is { } t ? terms.GetValueOrDefault(t) : null;
                var taxonomy = term?.Guid("taxonomy_id") is { } tx ? taxonomies.GetValueOrDefault(tx) : null;
                var taxonomyName = taxonomy?["name"] ?? term?["taxonomy"];
                if (taxonomyName == ServiceMapping.CategoryTaxonomy && term?["code"] is { } code)
                {
                    // Kept as an attribute too (its id survives a round trip); the code finds the directory's term.
                    categories.Add(code);
                }
                var attribute = new AttributeDocument { Id = a.Guid("id"), TaxonomyTermId = termId, Value = a["value"] };
                origins[attribute] = a.Origin;
                attributeDocs.Add(attribute);
                if (term is not null)
                {
                    termDocs.Add(new TaxonomyTermDocument
                    {
                        Id = termId!.Value,
                        Code = term["code"],
                        Name = term["name"] ?? "",
                        Description = term["description"] ?? "",
                        ParentId = term.Guid("parent_id"),
                        TaxonomyId = term.Guid("taxonomy_id"),
                        Taxonomy = taxonomyName,
                        TermUri = term["term_uri"],
                        TaxonomyDetail = taxonomy is null ? null
                            : new TaxonomyDocument(taxonomy.Guid("id")!.Value, taxonomy["name"] ?? "", taxonomy["description"] ?? "", taxonomy["uri"], taxonomy["version"]),
                    });
                }
            }
            var phoneDocs = phones.GetValueOrDefault(id, []).Select(p =>
            {
                var doc = new PhoneDocument
                {
                    Id = p.Guid("id"),
                    Number = p["number"],
                    Extension = p.Int("extension"),
                    Type = p["type"],
                    Description = p["description"],
                    Languages = p.Guid("id") is { } pid ? [.. phoneLanguages.GetValueOrDefault(pid, []).Select(l => new LanguageDocument { Code = l["code"] })] : null,
                };
                origins[doc] = p.Origin;
                return doc;
            }).ToArray();
            var scheduleDocs = schedules.GetValueOrDefault(id, []).Select(s =>
            {
                var doc = new ScheduleDocument
                {
                    Id = s.Guid("id"),
                    Freq = s["freq"],
                    Byday = s["byday"],
                    OpensAt = s["opens_at"],
                    ClosesAt = s["closes_at"],
                    ValidFrom = s["valid_from"],
                    ValidTo = s["valid_to"],
                    Timezone = FlatRecordBuilder.Number(s["timezone"]),
                    TimeZone = s.Guid("id") is { } sid ? extSchedules.GetValueOrDefault(sid)?["time_zone"] : null,
                    Description = s["description"],
                    Notes = s["notes"],
                };
                origins[doc] = s.Origin;
                return doc;
            }).ToArray();
            var areaDocs = areas.GetValueOrDefault(id, []).Select(a =>
            {
                var ext2 = a.Guid("id") is { } aid ? extAreas.GetValueOrDefault(aid) : null;
                var doc = new ServiceAreaDocument
                {
                    Id = a.Guid("id"),
                    Name = a["name"],
                    Description = a["description"],
                    Extent = a["extent"] is { } extent ? JsonSerializer.SerializeToElement(extent) : null,
                    ExtentType = a["extent_type"],
                    RegionCodes = ext2?.List("region_codes"),
                };
                origins[doc] = a.Origin;
                return doc;
            }).ToArray();
            var salDocs = sals.GetValueOrDefault(id, []).Select(x =>
            {
                var locationId = x.Guid("location_id");
                var doc = new ServiceAtLocationDocument
                {
                    Id = x.Guid("id"),
                    LocationId = locationId,
                    Description = x["description"],
                    Location = locationId is { } lid && locations.TryGetValue(lid, out var l) ? l.Doc : null,
                };
                origins[doc] = x.Origin;
                return doc;
            }).ToArray();
            var service = new ServiceDocument
            {
                Id = id,
                OrganizationId = row.Guid("organization_id"),
                Name = row["name"],
                AlternateName = row["alternate_name"],
                Description = row["description"],
                Url = row["url"],
                Email = row["email"],
                Status = row["status"],
                InterpretationServices = row["interpretation_services"],
                ApplicationProcess = row["application_process"],
                FeesDescription = row["fees_description"],
                EligibilityDescription = row["eligibility_description"],
                MinimumAge = row.Int("minimum_age"),
                MaximumAge = row.Int("maximum_age"),
                AssuredDate = row["assured_date"],
                AssurerEmail = row["assurer_email"],
                Alert = row["alert"],
                LastModified = row.Instant("last_modified"),
                IsFree = ext?.Bool("is_free"),
                Available247 = ext?.Bool("available_24_7"),
                Genders = ext?.List("genders"),
                DeliveryModes = ext?.List("delivery_modes"),
                Audience = ext?.List("audience"),
                Platforms = ext?.List("platforms"),
                Demo = ext?.Bool("demo"),
                Categories = [.. categories],
                Languages = [.. serviceLanguages.GetValueOrDefault(id, []).Select(l => new LanguageDocument { Code = l["code"] })],
                Phones = phoneDocs,
                Schedules = scheduleDocs,
                ServiceAreas = areaDocs,
                ServiceAtLocations = salDocs,
                Attributes = [.. attributeDocs],
            };
            var record = new SourceRecord { Doc = service, Origin = row.Origin, Key = id.ToString(), PartOrigins = origins };
            record.Terms.AddRange(termDocs);
            foreach (var (field, problem) in row.Problems)
            {
                record.Issues.Add(new ImportIssue(IssueCodes.InvalidValue, problem, row.Origin.File, row.Origin.Line, id.ToString(), field));
            }
            foreach (var sal in salDocs)
            {
                if (sal.Location is { } l && locations.TryGetValue(l.Id!.Value, out var loc))
                {
                    foreach (var (field, problem) in loc.Row.Problems)
                    {
                        var code = field is "latitude" or "longitude" ? IssueCodes.UnparsableCoordinates : IssueCodes.InvalidValue;
                        record.Issues.Add(new ImportIssue(code, problem, loc.Row.Origin.File, loc.Row.Origin.Line, id.ToString(), field));
                    }
                }
            }
            Services.Add(record);
        }
        if (taxonomies.Count > 0 || terms.Count > 0)
        {
            Notes.Add($"taxonomies.csv, taxonomy_terms.csv: taxonomies and terms are added only when an imported service uses them; existing ones are never changed.");
        }
    }

    private void NoteOrphans(Table table, string column, HashSet<Guid> serviceIds, string what)
    {
        var orphans = table.Rows.Where(r => r.Guid(column) is not { } id || !serviceIds.Contains(id)).ToList();
        if (orphans.Count > 0)
        {
            Notes.Add($"{table.File}: {orphans.Count} row(s) not imported: {what} (line{(orphans.Count > 1 ? "s" : "")} {string.Join(", ", orphans.Take(10).Select(o => o.Origin.Line))}{(orphans.Count > 10 ? ", …" : "")}).");
        }
    }

    private static Dictionary<Guid, Row> Index(Table table, string column) =>
        table.Rows.Where(r => r.Guid(column) is not null).GroupBy(r => r.Guid(column)!.Value).ToDictionary(g => g.Key, g => g.First());

    private static Dictionary<Guid, List<Row>> Group(Table table, string column, Table? alternative = null) =>
        (table.Rows.Count > 0 || alternative is null ? table : alternative).Rows
            .Where(r => r.Guid(column) is not null).GroupBy(r => r.Guid(column)!.Value).ToDictionary(g => g.Key, g => g.ToList());

    /// <summary>A CSV table of the package, read whole (packages are read into memory to join their tables).</summary>
    private sealed record Table(string File, List<Row> Rows)
    {
        public static Table Empty(string file) => new(file, []);

        public static Table Read(InputFile file)
        {
            using var stream = file.Open();
            using var csv = CsvTable.Open(new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true), ',');
            var header = csv.Header.Select(h => h.ToLowerInvariant()).ToArray();
            var rows = new List<Row>();
            try
            {
                while (csv.Read() is { } fields)
                {
                    var values = new Dictionary<string, string>(StringComparer.Ordinal);
                    for (var i = 0; i < header.Length && i < fields.Count; i++)
                    {
                        values[header[i]] = fields[i];
                    }
                    rows.Add(new Row(values, new Origin(file.Name, csv.Line)));
                }
            }
            catch (CsvFormatException ex)
            {
                throw new ImportInputException($"{file.Name}: {ex.Message}", ex.Line, file.Name);
            }
            return new Table(file.Name, rows);
        }
    }

    /// <summary>One row; empty cells are absent (HSDS has no nulls), unparsable numbers and ids are recorded as problems.</summary>
    private sealed class Row(Dictionary<string, string> values, Origin origin)
    {
        public Origin Origin { get; } = origin;
        public List<(string Field, string Problem)> Problems { get; } = [];

        public string? this[string column] => values.TryGetValue(column, out var v) && v.Trim().Length > 0 ? v.Trim() : null;

        public Guid? Guid(string column)
        {
            if (this[column] is not { } text)
            {
                return null;
            }
            if (System.Guid.TryParse(text, out var id))
            {
                return id;
            }
            Fail<Guid?>(column, $"'{FieldErrors.Clip(text)}' is not a UUID.");
            return null;
        }

        public int? Int(string column)
        {
            if (this[column] is not { } text)
            {
                return null;
            }
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            {
                return v;
            }
            return Fail<int?>(column, $"'{FieldErrors.Clip(text)}' is not a whole number.");
        }

        public bool? Bool(string column) => this[column]?.ToLowerInvariant() switch
        {
            null => null,
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            var other => Fail<bool?>(column, $"'{FieldErrors.Clip(other)}' is not true or false."),
        };

        public DateTimeOffset? Instant(string column)
        {
            if (this[column] is not { } text)
            {
                return null;
            }
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var v)
                ? v
                : Fail<DateTimeOffset?>(column, $"'{FieldErrors.Clip(text)}' is not an ISO 8601 date-time.");
        }

        public string[]? List(string column) =>
            this[column]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        private T? Fail<T>(string column, string problem)
        {
            if (!Problems.Contains((column, problem)))
            {
                Problems.Add((column, problem));
            }
            return default;
        }
    }
}
