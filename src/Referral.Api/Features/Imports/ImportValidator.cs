using System.Globalization;
using System.Text.RegularExpressions;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

using static Referral.Api.Features.Services.ServiceRules;

namespace Referral.Api.Features.Imports;

/// <summary>A location already in the directory, as far as validation needs it (confidentiality, ownership).</summary>
internal sealed record ExistingLocation(
    Guid Id, Guid? OrganizationId, string Visibility, double? Latitude, double? Longitude, double? PublicLatitude, double? PublicLongitude,
    string? Description, string? Transportation, string? Accessibility, string? Source,
    string? Name = null, string? AlternateName = null, string? Url = null);

/// <summary>What validation needs to know about the directory and the import so far.</summary>
internal sealed class ValidationContext
{
    public required ImportOptions Options { get; init; }

    /// <summary>referral-category code → term id.</summary>
    public required IReadOnlyDictionary<string, Guid> Categories { get; init; }

    /// <summary>Every taxonomy term id in the directory or added by this import.</summary>
    public required HashSet<Guid> KnownTerms { get; init; }

    /// <summary>True for organizations in the directory or written by this import.</summary>
    public required Func<Guid, bool> OrganizationExists { get; init; }

    /// <summary>Existing locations the current batch refers to.</summary>
    public required IReadOnlyDictionary<Guid, ExistingLocation> Locations { get; init; }

    /// <summary>Locations written earlier in this import (a later record may link them by id).</summary>
    public required HashSet<Guid> StagedLocations { get; init; }

    public required CountryOutlines Countries { get; init; }

    /// <summary>Countries that have no outline (reported once per import).</summary>
    public required HashSet<string> UncheckedCountries { get; init; }

    /// <summary>The write API's caps on areas per service and vertices per area.</summary>
    public ServiceAreaLimits AreaLimits { get; init; } = new();
}

/// <summary>
/// Validates a service document exactly as <see cref="ServiceWriter"/> does — the same rules, the same field paths and
/// the same messages, built from the same <see cref="FieldErrors"/>, <see cref="Vocabulary"/> and category catalog — and
/// turns it into table rows. Then the import's own checks: coordinates (missing, swapped, (0,0)), position against the
/// declared country's outline. A test sends the same invalid documents to <c>POST /api/services</c> and here and
/// compares the answers.
/// </summary>
internal static partial class ImportValidator
{
    /// <summary>The rows to write for <paramref name="source"/>, or its problems.</summary>
    public static ImportRecord? Validate(SourceRecord source, int ordinal, ValidationContext context, List<ImportIssue> rejections)
    {
        var doc = source.Doc;
        var errors = new FieldErrors();
        var id = doc.Id ?? throw new InvalidOperationException("Ids are resolved before validation.");
        var service = new Service { Id = id, Name = "", Status = "active", Source = context.Options.Source, SourceId = Clip(source.Key) };
        ApplyScalars(doc, service, errors);
        service.LastModified = doc.LastModified is { } lm ? lm.ToUniversalTime() : default;
        service.IsDemo = doc.Demo == true;

        Organization? organization = null;
        if (source.Organization is { } orgDoc)
        {
            organization = OrganizationRow(orgDoc, doc.OrganizationId ?? orgDoc.Id ?? Guid.Empty, "organization.", errors, context.Options);
            organization.SourceId = Clip(source.OrganizationKey ?? organization.Id.ToString());
        }
        if (doc.OrganizationId is not { } orgId)
        {
            errors.Add("organization_id", "is required.");
        }
        else if (organization?.Id != orgId && !context.OrganizationExists(orgId))
        {
            errors.Add("organization_id", $"no organization with id {orgId}.");
        }

        if (source.Key.Length > Limits.Short || source.Key.Any(char.IsControl))
        {
            errors.Add("id", $"the record's id in the source must be at most {Limits.Short} characters without control characters.");
        }
        var termIds = ResolveTerms(doc, context, errors);
        service.Phones = DistinctPhones(ParsePhones(doc.Phones, id, errors));
        service.Schedules = ParseSchedules(doc.Schedules, id, errors, i => DeterministicGuid.Create(id, "schedule:" + i.ToString(CultureInfo.InvariantCulture)));
        service.ServiceAreas = ParseAreas(doc.ServiceAreas, id, errors, i => DeterministicGuid.Create(id, "area:" + i.ToString(CultureInfo.InvariantCulture)), context.AreaLimits);
        service.Attributes = [.. termIds.Select(t => new ServiceAttribute
        {
            // Matched by (service, term) as the unique index does; a new one just needs a fresh id.
            Id = t.Id ?? TimeOrderedGuid.Create(),
            ServiceId = id,
            TaxonomyTermId = t.TermId,
            Value = t.Value,
        })];
        var record = new ImportRecord { Ordinal = ordinal, Origin = source.Origin, Key = source.Key, Service = service, Organization = organization };
        record.OrganizationImplied = source.OrganizationImplied;
        record.Categories = [.. (doc.Categories ?? []).Select(c => c?.Trim().ToLowerInvariant() ?? "").Where(context.Categories.ContainsKey)];
        var points = ParseLocations(source, record, context, errors);

        var issues = new List<ImportIssue>();
        foreach (var (field, messages) in errors.ToDictionary())
        {
            foreach (var message in messages)
            {
                issues.Add(Issue(source, field, message, doc, context));
            }
        }
        if (issues.Count == 0)
        {
            CheckPositions(source, points, context, issues, record.Warnings);
        }
        var failed = issues.Count > 0;
        var coordinatesUnreadable = false;
        foreach (var issue in source.Issues)
        {
            if (IsWarning(issue.Code))
            {
                record.Warnings.Add(issue);
                continue;
            }
            // A problem found while reading (an unparsable number) comes first: it explains the rest.
            rejections.Add(issue);
            failed = true;
            coordinatesUnreadable |= issue.Code is IssueCodes.MissingCoordinates or IssueCodes.UnparsableCoordinates;
        }
        rejections.AddRange(issues.Where(i => !(coordinatesUnreadable && i.Code == IssueCodes.MissingCoordinates)));
        return failed ? null : record;
    }

    /// <summary>A stand-alone organization record (HSDS data package).</summary>
    public static Organization? ValidateOrganization(OrganizationRecord source, ImportOptions options, List<ImportIssue> rejections)
    {
        var errors = new FieldErrors();
        var id = source.Doc.Id ?? Guid.Empty;
        var row = OrganizationRow(source.Doc, id, "", errors, options);
        row.SourceId = id.ToString();
        if (source.Doc.Id is null)
        {
            errors.Add("id", "is required.");
        }
        foreach (var (field, messages) in errors.ToDictionary())
        {
            rejections.AddRange(messages.Select(m => new ImportIssue(Code(field, m), m, source.Origin.File, source.Origin.Line, source.Doc.Id?.ToString(), field)));
        }
        return errors.Any ? null : row;
    }

    public static bool IsWarning(string code) =>
        code is IssueCodes.Unnamed or IssueCodes.ProbableDuplicate or IssueCodes.NearBorder or IssueCodes.ConflictingRows or IssueCodes.NoId or IssueCodes.Ignored
            or IssueCodes.AreaFromCountry or IssueCodes.PhoneAsWritten;

    /// <summary>
    /// A phone once per id and per number: phones without an id are matched to the directory's by number (ImportMerge), so
    /// a repeated number would be two rows for one phone.
    /// </summary>
    private static List<Phone> DistinctPhones(List<Phone> phones)
    {
        var ids = new HashSet<Guid>();
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        return [.. phones.Where(p => ids.Add(p.Id) && numbers.Add(p.Number))];
    }

    private readonly record struct TermLink(Guid TermId, Guid? Id, string? Value);

    private static List<TermLink> ResolveTerms(ServiceDocument doc, ValidationContext context, FieldErrors errors)
    {
        var result = new List<TermLink>();
        var codes = doc.Categories ?? [];
        if (codes.Length > Limits.ListItems || (doc.Attributes?.Length ?? 0) > Limits.Children)
        {
            errors.Add("categories", "too many categories or attributes.");
            return result;
        }
        for (var i = 0; i < codes.Length; i++)
        {
            var code = codes[i]?.Trim().ToLowerInvariant() ?? "";
            if (context.Categories.TryGetValue(code, out var termId))
            {
                Add(termId, null, null);
            }
            else
            {
                errors.Add($"categories[{i}]", $"unknown category '{FieldErrors.Clip(codes[i] ?? "")}'; one of: {string.Join(", ", context.Categories.Keys.Order(StringComparer.Ordinal))}.");
            }
        }
        var attributes = doc.Attributes ?? [];
        for (var i = 0; i < attributes.Length; i++)
        {
            var a = attributes[i];
            var wanted = a?.TaxonomyTermId ?? a?.TaxonomyTerm?.Id;
            if (wanted is not { } termId)
            {
                errors.Add($"attributes[{i}].taxonomy_term_id", "is required.");
            }
            else if (!context.KnownTerms.Contains(termId))
            {
                errors.Add($"attributes[{i}].taxonomy_term_id", $"unknown taxonomy term {termId}.");
            }
            else
            {
                Add(termId, a!.Id, errors.Text($"attributes[{i}].value", a.Value, Limits.Short));
            }
        }
        return result;

        void Add(Guid termId, Guid? id, string? value)
        {
            var existing = result.FindIndex(t => t.TermId == termId);
            if (existing < 0)
            {
                result.Add(new TermLink(termId, id, value));
            }
            else if (id is not null || value is not null)
            {
                result[existing] = new TermLink(termId, id ?? result[existing].Id, value ?? result[existing].Value);
            }
        }
    }

    /// <summary>A point to check against its country: the location's field path and the declared country.</summary>
    private readonly record struct PointToCheck(string Field, double Latitude, double Longitude, string? Country, LocationDocument Doc);

    private static List<PointToCheck> ParseLocations(SourceRecord source, ImportRecord record, ValidationContext context, FieldErrors errors)
    {
        var points = new List<PointToCheck>();
        var service = record.Service;
        var docs = source.Doc.ServiceAtLocations;
        if (TooMany("service_at_locations", docs, errors))
        {
            return points;
        }
        var seen = new HashSet<Guid>();
        var linkIds = new HashSet<Guid>();
        for (var i = 0; i < docs!.Length; i++)
        {
            var d = docs[i];
            var f = $"service_at_locations[{i}]";
            if (IsNull(f, d, errors))
            {
                continue;
            }
            if (d.Id is { } linkId && !linkIds.Add(linkId))
            {
                errors.Add($"{f}.id", "the same id is listed twice.");
            }
            if (d.Location?.OrganizationId is { } owner && owner != record.Organization?.Id && !context.OrganizationExists(owner))
            {
                errors.Add($"{f}.location.organization_id", $"no organization with id {owner}.");
            }
            var locationId = d.Location?.Id ?? d.LocationId;
            if (d.LocationId is { } a && d.Location?.Id is { } b && a != b)
            {
                errors.Add($"{f}.location_id", "must match location.id.");
            }
            if (d.Location is null)
            {
                if (locationId is not { } existingId
                    || !(context.Locations.ContainsKey(existingId) || context.StagedLocations.Contains(existingId) || record.Locations.Any(l => l.Id == existingId)))
                {
                    errors.Add($"{f}.location_id", locationId is { } unknown ? ServiceWriter.UnknownLocation(unknown) : "is required (or give a location object).");
                    continue;
                }
            }
            else
            {
                var existing = locationId is { } lid ? context.Locations.GetValueOrDefault(lid) : null;
                var location = ApplyLocation(d.Location, existing, locationId!.Value, service.OrganizationId, $"{f}.location", errors, record);
                location.Source = context.Options.Source;
                location.SourceId = Clip(i < source.LocationKeys.Count ? source.LocationKeys[i] ?? location.Id.ToString() : location.Id.ToString());
                location.IsDemo = d.Location.Demo == true;
                if (record.Locations.All(l => l.Id != location.Id))
                {
                    record.Locations.Add(location);
                }
                if (location.Point is { } p && location.LocationType == "physical")
                {
                    var country = location.Addresses.FirstOrDefault()?.Country
                        ?? (i < source.LocationCountries.Count ? source.LocationCountries[i] : null)
                        ?? context.Options.Country;
                    points.Add(new PointToCheck($"{f}.location", p.Y, p.X, country?.ToUpperInvariant(), d.Location));
                }
            }
            if (!seen.Add(locationId!.Value))
            {
                errors.Add($"{f}.location_id", "the same location is listed twice.");
                continue;
            }
            service.ServiceAtLocations.Add(new ServiceAtLocation
            {
                // Matched by (service, location) as the unique index does; a new one just needs a fresh id.
                Id = d.Id ?? TimeOrderedGuid.Create(),
                ServiceId = service.Id,
                LocationId = locationId.Value,
                Description = errors.Text($"{f}.description", d.Description, Limits.Text),
            });
        }
        return points;
    }

    private static Location ApplyLocation(LocationDocument d, ExistingLocation? existing, Guid id, Guid organizationId, string f, FieldErrors errors, ImportRecord record)
    {
        var isNew = existing is null;
        var l = new Location { Id = id, LocationType = "physical", Visibility = existing?.Visibility ?? Confidentiality.Public };
        var previousVisibility = l.Visibility;
        l.OrganizationId = d.OrganizationId ?? existing?.OrganizationId ?? organizationId;
        ApplyLocationScalars(d, l, isNew, f, errors);

        // As the writer: a document read by the public carries a generalised point and no address for a confidential
        // location; importing it back must not overwrite the exact point, address or details with the generalised ones.
        var confidential = !isNew && previousVisibility != Confidentiality.Public;
        var echoesPublicView = confidential && existing!.Latitude is not null &&
            (d.Latitude is null && d.Longitude is null ||
             existing.PublicLatitude is { } shownLat && (d.Latitude, d.Longitude) == (Math.Round(shownLat, 6), Math.Round(existing.PublicLongitude!.Value, 6)));
        // The public view also replaces the place's name by a generic label and drops its alternate name and url.
        if (confidential)
        {
            l.Name = d.Name is null || d.Name.StartsWith(LocationMapping.PublicLabel, StringComparison.Ordinal) ? existing!.Name : l.Name;
            l.AlternateName = d.AlternateName is null ? existing!.AlternateName : l.AlternateName;
            l.Url = d.Url is null ? existing!.Url : l.Url;
        }
        l.Description = confidential && d.Description is null ? existing!.Description : errors.Text($"{f}.description", d.Description, Limits.Text);
        l.Transportation = confidential && d.Transportation is null ? existing!.Transportation : errors.Text($"{f}.transportation", d.Transportation, Limits.Text);
        l.Accessibility = confidential && d.Accessibility is null or []
            ? existing!.Accessibility
            : errors.Text($"{f}.accessibility[0].description", d.Accessibility?.FirstOrDefault()?.Description, Limits.Text);
        if (echoesPublicView)
        {
            l.Point = Geo.Point(existing!.Latitude!.Value, existing.Longitude!.Value);
        }
        else if (TryParsePoint(d, f, errors, out var point))
        {
            l.Point = point;
        }
        if (l.LocationType == "physical" && l.Point is null && (d.Latitude is null || d.Longitude is null) && !echoesPublicView)
        {
            errors.Add($"{f}.latitude", "a physical location needs latitude and longitude.");
        }
        if (confidential && d.Addresses is null or [])
        {
            record.KeepAddresses.Add(l.Id);
        }
        else
        {
            l.Addresses = [.. (ParseAddresses(d.Addresses ?? [], l.Id, f, errors, i => AddressId(l.Id, i)) ?? []).DistinctBy(a => a.Id)];
        }
        return l;
    }

    /// <summary>
    /// A stable id for a location's n-th address when the input has none (so a re-import updates it rather than replacing
    /// it): the location's id with its last bytes mixed with the position. Cheap, unlike a name-based UUID per row.
    /// </summary>
    internal static Guid AddressId(Guid locationId, int index)
    {
        Span<byte> bytes = stackalloc byte[16];
        locationId.TryWriteBytes(bytes, bigEndian: true, out _);
        bytes[15] ^= (byte)(0xA5 + index);
        bytes[14] ^= 0x5A;
        return new Guid(bytes, bigEndian: true);
    }

    private static Organization OrganizationRow(OrganizationDocument doc, Guid id, string prefix, FieldErrors errors, ImportOptions options)
    {
        var o = new Organization { Id = id, Name = "", Source = options.Source };
        o.Name = errors.Text(prefix + "name", doc.Name, Limits.Name, required: true) ?? "";
        o.AlternateName = errors.Text(prefix + "alternate_name", doc.AlternateName, Limits.Name);
        o.Description = errors.Text(prefix + "description", doc.Description, Limits.Text);
        o.Email = errors.Email(prefix + "email", doc.Email);
        o.Website = errors.Url(prefix + "website", doc.Website);
        o.LegalStatus = errors.Text(prefix + "legal_status", doc.LegalStatus, Limits.Short);
        if (doc.YearIncorporated is < 1800 or > 2200)
        {
            errors.Add(prefix + "year_incorporated", "must be a year between 1800 and 2200.");
        }
        o.YearIncorporated = doc.YearIncorporated;
        o.LastModified = doc.LastModified is { } lm ? lm.ToUniversalTime() : default;
        o.IsDemo = doc.Demo == true;
        return o;
    }

    // ------------------------------------------------------------------ the import's own checks -------------------

    /// <summary>
    /// The directory's one coordinate rule (<see cref="CoordinateRule"/>): (0, 0) and swapped positions are rejected, as
    /// by the write API; then the import's own check: positions far outside the declared country are rejected, positions
    /// just outside are warnings.
    /// </summary>
    private static void CheckPositions(SourceRecord source, List<PointToCheck> points, ValidationContext context, List<ImportIssue> rejections, List<ImportIssue> warnings)
    {
        foreach (var p in points)
        {
            var origin = OriginOf(source, p.Doc);
            if (p.Country is { } country && !CoordinateRule.IsNullIsland(p.Latitude, p.Longitude) && !context.Countries.Has(country))
            {
                // Records may be validated in parallel (Importer.ValidateAll).
                lock (context.UncheckedCountries)
                {
                    context.UncheckedCountries.Add(country);
                }
            }
            var check = CoordinateRule.Check(p.Latitude, p.Longitude, p.Country, context.Countries, context.Options.BorderToleranceKm);
            var code = check.Finding switch
            {
                CoordinateFinding.NullIsland => IssueCodes.NullIsland,
                CoordinateFinding.Swapped => IssueCodes.CoordinatesSwapped,
                CoordinateFinding.OutsideCountry => IssueCodes.OutsideCountry,
                CoordinateFinding.NearBorder => IssueCodes.NearBorder,
                _ => null,
            };
            if (code is null)
            {
                continue;
            }
            (check.Finding == CoordinateFinding.NearBorder ? warnings : rejections)
                .Add(new ImportIssue(code, check.Message!, origin.File, origin.Line, source.Key, p.Field + ".latitude"));
        }
    }

    /// <summary>An issue for a writer error, with the code of its kind and where it comes from in the input.</summary>
    private static ImportIssue Issue(SourceRecord source, string field, string message, ServiceDocument doc, ValidationContext context)
    {
        var origin = OriginOfField(source, field, doc);
        var code = Code(field, message);
        if (code == IssueCodes.CoordinatesOutOfRange && Swapped(source, field, doc, context))
        {
            code = IssueCodes.CoordinatesSwapped;
            message += " (latitude and longitude look swapped)";
        }
        return new ImportIssue(code, message, origin.File, origin.Line, source.Key, field);
    }

    private static string Code(string field, string message) => field switch
    {
        _ when field.EndsWith(".latitude", StringComparison.Ordinal) && message.StartsWith("a physical location needs", StringComparison.Ordinal) => IssueCodes.MissingCoordinates,
        _ when field.EndsWith(".latitude", StringComparison.Ordinal) && message.StartsWith("latitude and longitude go together", StringComparison.Ordinal) => IssueCodes.MissingCoordinates,
        _ when field.EndsWith(".latitude", StringComparison.Ordinal) || field.EndsWith(".longitude", StringComparison.Ordinal) => IssueCodes.CoordinatesOutOfRange,
        _ when field.StartsWith("categories[", StringComparison.Ordinal) => IssueCodes.UnknownCategory,
        _ when field.StartsWith("phones[", StringComparison.Ordinal) && field.EndsWith(".number", StringComparison.Ordinal) => IssueCodes.InvalidPhone,
        "name" when message == "is required." => IssueCodes.MissingName,
        _ when message.StartsWith("no organization with id", StringComparison.Ordinal) || message.StartsWith("no location with id", StringComparison.Ordinal)
            || message.StartsWith("unknown taxonomy term", StringComparison.Ordinal) => IssueCodes.UnknownReference,
        _ => IssueCodes.InvalidValue,
    };

    /// <summary>
    /// An out-of-range position that, read the other way round, is valid — and inside the declared country when that is
    /// known (so a merely wrong number is not called swapped): <see cref="CoordinateRule"/>.
    /// </summary>
    private static bool Swapped(SourceRecord source, string field, ServiceDocument doc, ValidationContext context)
    {
        if (LocationAt(field, doc, out var index) is not { Latitude: { } lat, Longitude: { } lng } location)
        {
            return false;
        }
        var country = location.Addresses?.FirstOrDefault()?.Country
            ?? (index < source.LocationCountries.Count ? source.LocationCountries[index] : null)
            ?? context.Options.Country;
        return CoordinateRule.Check(lat, lng, country, context.Countries, context.Options.BorderToleranceKm).Finding == CoordinateFinding.SwappedOutOfRange;
    }

    private static LocationDocument? LocationAt(string field, ServiceDocument doc, out int index)
    {
        var m = IndexedPath().Match(field);
        index = m.Success ? int.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture) : -1;
        return m.Success && m.Groups["name"].Value == "service_at_locations" && index < (doc.ServiceAtLocations?.Length ?? 0)
            ? doc.ServiceAtLocations![index]?.Location
            : null;
    }

    /// <summary>The file and line a field of the document came from (the data package row of a phone, location, …).</summary>
    private static Origin OriginOfField(SourceRecord source, string field, ServiceDocument doc)
    {
        if (source.PartOrigins is not { } parts)
        {
            return source.Origin;
        }
        var m = IndexedPath().Match(field);
        if (!m.Success)
        {
            return source.Origin;
        }
        var i = int.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture);
        object? part = m.Groups["name"].Value switch
        {
            "phones" => At(doc.Phones, i),
            "schedules" => At(doc.Schedules, i),
            "service_areas" => At(doc.ServiceAreas, i),
            "attributes" => At(doc.Attributes, i),
            "languages" => At(doc.Languages, i),
            "service_at_locations" when field.Contains(".location.addresses[", StringComparison.Ordinal)
                && AddressIndex().Match(field) is { Success: true } am => At(At(doc.ServiceAtLocations, i)?.Location?.Addresses, int.Parse(am.Groups[1].Value, CultureInfo.InvariantCulture)),
            "service_at_locations" when field.Contains(".location", StringComparison.Ordinal) => At(doc.ServiceAtLocations, i)?.Location,
            "service_at_locations" => At(doc.ServiceAtLocations, i),
            _ => null,
        };
        return part is not null && parts.TryGetValue(part, out var origin) ? origin : source.Origin;
    }

    private static Origin OriginOf(SourceRecord source, object part) =>
        source.PartOrigins is { } parts && parts.TryGetValue(part, out var origin) ? origin : source.Origin;

    private static T? At<T>(T[]? items, int i) where T : class => items is not null && i < items.Length ? items[i] : null;

    private static string Clip(string key) => key.Length <= Limits.Short ? key : key[..Limits.Short];

    [GeneratedRegex(@"^(?<name>[a-z_]+)\[(?<index>\d{1,5})\]")]
    private static partial Regex IndexedPath();

    [GeneratedRegex(@"\.addresses\[(\d{1,5})\]")]
    private static partial Regex AddressIndex();
}
