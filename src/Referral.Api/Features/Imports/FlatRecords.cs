using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Referrals;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Imports;

/// <summary>
/// Turns rows of a flat file (CSV rows, GeoJSON feature properties) into service documents. Consecutive rows with the
/// same id are one service at several locations (as the CSV export writes them). Values are only read here; every rule
/// of the API is applied afterwards by <see cref="ImportValidator"/>, so a row the API would refuse is refused for the
/// same reason.
/// </summary>
internal sealed class FlatRecordBuilder
{
    private static readonly string[] LocationTargets =
        ["location_id", "location_name", "latitude", "longitude", "coordinates", "location_description", "transportation", "accessibility",
         "address_1", "address_2", "city", "region", "state_province", "postal_code"];

    private static readonly string[] AddressTargets = ["address_1", "address_2", "city", "region", "state_province", "postal_code"];

    private readonly ImportOptions _options;
    private readonly CategoryResolver _categories;
    private readonly string _separator;
    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);
    private SourceRecord? _current;
    private bool _organizationNoted;

    /// <summary>The organization of records whose input names none.</summary>
    internal const string UnknownOrganization = "Organization not given";
    private bool _contentKeys;

    public FlatRecordBuilder(ImportOptions options, CategoryResolver categories, IEnumerable<string> columns, char delimiter)
    {
        _options = options;
        _categories = categories;
        _separator = options.Mapping.Separator(delimiter);
        Covered = [.. columns.Concat(options.Mapping.Defaults.Keys)];
        if (Covered.Contains("coordinates"))
        {
            Covered.Add("latitude");
            Covered.Add("longitude");
        }
        HasLocations = LocationTargets.Any(Covered.Contains);
    }

    /// <summary>The fields the input has a column (or default) for: on an existing record, only these are changed.</summary>
    public HashSet<string> Covered { get; }

    /// <summary>True when rows place services at locations (otherwise records are services without a location).</summary>
    public bool HasLocations { get; }

    public List<string> Notes { get; } = [];

    /// <summary>Adds a row; returns the previous record when this row starts a new one.</summary>
    public SourceRecord? Add(IReadOnlyDictionary<string, string?> row, Origin origin)
    {
        var values = new Row(row, _options.Mapping);
        var key = Key(values, out var uuid);
        if (_current is not null && !_contentKeys && key == _current.Key)
        {
            AppendLocation(_current, values, origin);
            MergeLists(_current, values);
            if (values.Get("name") is { } name && _current.Doc.Name is { } first && !string.Equals(name, first, StringComparison.Ordinal))
            {
                _current.Issues.Add(new ImportIssue(IssueCodes.ConflictingRows,
                    $"this row continues service '{FieldErrors.Clip(first)}' (same id) but names it '{FieldErrors.Clip(name)}'; the first row's service fields are kept.",
                    origin.File, origin.Line, key, "name"));
            }
            return null;
        }
        var done = _current;
        _current = Start(values, key, uuid, origin);
        return Complete(done);
    }

    /// <summary>The list separator of multi-valued cells.</summary>
    public string Separator => _separator;

    /// <summary>Adds a problem found outside the row's values (a GeoJSON geometry) to the record being built.</summary>
    public void AddIssueToCurrent(ImportIssue issue)
    {
        if (_current is null)
        {
            return;
        }
        // An unusable geometry explains the missing coordinates; one reason is enough.
        _current.Issues.RemoveAll(i => i.Code == IssueCodes.MissingCoordinates && i.Line == issue.Line);
        _current.Issues.Add(issue with { SourceId = _current.Key });
    }

    public SourceRecord? Flush()
    {
        var done = _current;
        _current = null;
        return Complete(done);
    }

    /// <summary>
    /// A record no search could ever find is refused: without a location (no coordinates, no address) it needs a service
    /// area. A record of an area-served category (helplines, online reporting) without one serves its country, said in a warning.
    /// </summary>
    private SourceRecord? Complete(SourceRecord? record)
    {
        if (record is null || record.Doc.ServiceAtLocations is { Length: > 0 } || record.Doc.ServiceAreas is { Length: > 0 }
            || record.Issues.Any(i => !ImportValidator.IsWarning(i.Code)))
        {
            return record;
        }
        var areaServed = record.Doc.Categories?.Any(AreaCategories.Contains) == true;
        if (areaServed && record.Country is { Length: 2 } country)
        {
            record.Doc = record.Doc with { ServiceAreas = [new ServiceAreaDocument { Name = country, RegionCodes = [country] }] };
            record.Issues.Add(new ImportIssue(IssueCodes.AreaFromCountry,
                $"no coordinates and no service_area: the service is taken to serve its whole country ({country}).",
                record.Origin.File, record.Origin.Line, record.Key, "service_areas"));
            return record;
        }
        if (!HasLocations)
        {
            // A file without any position or address column updates other fields of records that keep their locations.
            return record;
        }
        record.Issues.Add(new ImportIssue(IssueCodes.MissingCoordinates, areaServed
                ? "no coordinates, no service_area and no country: give the area it serves (service_area: region codes such as CR or CR-SJ) or its country."
                : "no coordinates and no address: nearest and gap analysis could never find it (give latitude and longitude, or a service_area for a service without a site).",
            record.Origin.File, record.Origin.Line, record.Key, "latitude"));
        return record;
    }

    /// <summary>Categories whose services serve an area rather than a site (as the gap analysis treats them by default).</summary>
    private static readonly string[] AreaCategories = Gaps.GapOptionsParser.DefaultAreaCategories;

    /// <summary>The document of a record while its own is being built (its readers add issues to the record).</summary>
    private static readonly ServiceDocument Unbuilt = new();

    private SourceRecord Start(Row values, string key, Guid? uuid, Origin origin)
    {
        // One document per record, built once: a copy of a service document is some forty fields.
        var record = new SourceRecord { Doc = Unbuilt, Origin = origin, Key = key, Country = Country(values.Get("country") ?? _options.Country) };
        var doc = new ServiceDocument
        {
            Id = uuid,
            Name = values.Get("name"),
            AlternateName = values.Get("alternate_name"),
            Description = values.Get("description"),
            Status = values.Get("status") ?? "active",
            Url = values.Get("url"),
            Email = values.Get("email"),
            EligibilityDescription = values.Get("eligibility_description"),
            FeesDescription = values.Get("fees_description"),
            ApplicationProcess = values.Get("application_process"),
            InterpretationServices = values.Get("interpretation_services"),
            Alert = values.Get("alert"),
            AssuredDate = values.Get("assured_date"),
            AssurerEmail = values.Get("assurer_email"),
            Genders = List(values, "genders"),
            DeliveryModes = List(values, "delivery_modes"),
            Audience = List(values, "audience"),
            Platforms = List(values, "platforms"),
            Languages = List(values, "languages")?.Select(l => new LanguageDocument { Code = LanguageCode(l) }).ToArray(),
            Categories = Categories(values),
            ServiceAreas = List(values, "service_area") is { Length: > 0 } codes
                ? [new ServiceAreaDocument { RegionCodes = [.. codes.Select(c => c.ToUpperInvariant())] }]
                : null,
            ServiceAtLocations = [],
            MinimumAge = Integer(values, "minimum_age", record),
            MaximumAge = Integer(values, "maximum_age", record),
            IsFree = Boolean(values, "is_free", record),
            Available247 = Boolean(values, "available_24_7", record),
            LastModified = Instant(values, "last_modified", record),
            Phones = Phones(values, record)?.Select(n => new PhoneDocument { Number = n }).ToArray(),
        };
        record.Doc = doc;
        if (_seen.TryGetValue(key, out var firstLine))
        {
            record.Issues.Add(new ImportIssue(IssueCodes.DuplicateId,
                $"the same record appears again (first at line {firstLine}); rows of one service must be consecutive.",
                origin.File, origin.Line, key, "id"));
        }
        else
        {
            _seen[key] = origin.Line;
        }
        if (doc.Name is null)
        {
            var category = doc.Categories is [var c, ..] ? c : null;
            var locality = values.Get("city") ?? values.Get("region") ?? values.Get("state_province");
            var generated = UnnamedNames.Name(category, locality, _options.Language);
            record.Doc = doc with { Name = generated };
            record.Issues.Add(new ImportIssue(IssueCodes.Unnamed, $"the record has no name; it was named '{FieldErrors.Clip(generated)}'.",
                origin.File, origin.Line, key, "name"));
        }
        SetOrganization(record, values);
        AppendLocation(record, values, origin);
        return record;
    }

    private string Key(Row values, out Guid? uuid)
    {
        uuid = null;
        if (values.Get("id") is { } id)
        {
            if (Guid.TryParse(id, out var parsed))
            {
                uuid = parsed;
                return parsed.ToString();
            }
            return id;
        }
        if (values.Get("source_id") is { } sourceId)
        {
            return sourceId;
        }
        if (!_contentKeys)
        {
            _contentKeys = true;
            Notes.Add("the file has no id column: records are recognised by name, category and position, so a re-import updates only "
                + "records whose name, category and position are unchanged (add an id column for reliable updates).");
        }
        var content = string.Join("\u001f", new[] { "name", "categories", "latitude", "longitude", "coordinates", "address_1", "city" }
            .Select(t => values.Get(t) ?? ""));
        return "~" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)).AsSpan(0, 10));
    }

    private void SetOrganization(SourceRecord record, Row values)
    {
        if (values.Get("organization_id") is { } orgId)
        {
            if (Guid.TryParse(orgId, out var id))
            {
                record.Doc = record.Doc with { OrganizationId = id };
                if (values.Get("organization") is { } orgName)
                {
                    // Both id and name (as the CSV export writes them): the organization is created if the directory lacks it.
                    record.Organization = new OrganizationDocument { Id = id, Name = orgName };
                    record.OrganizationKey = id.ToString();
                    record.OrganizationImplied = true;
                }
            }
            else
            {
                record.Issues.Add(new ImportIssue(IssueCodes.InvalidValue, $"'{FieldErrors.Clip(orgId)}' is not a UUID.",
                    record.Origin.File, record.Origin.Line, record.Key, "organization_id"));
            }
            return;
        }
        var name = values.Get("organization");
        if (name is null && _options.OrganizationId is { } given)
        {
            record.Doc = record.Doc with { OrganizationId = given };
            return;
        }
        name ??= _options.OrganizationName;
        if (name is null)
        {
            // Never named after the file: a file name is not who runs the service, and would show as such on every referral card.
            name = UnknownOrganization;
            if (!_organizationNoted)
            {
                _organizationNoted = true;
                Notes.Add($"no organization given: records belong to an organization named '{UnknownOrganization}'; give organization=NAME "
                    + "(CLI --organization), organization_id, an organization column, or a mapping default \"organization\".");
            }
        }
        record.Organization = new OrganizationDocument { Name = name };
        record.OrganizationKey = OrganizationKey(name);
        record.OrganizationImplied = true;
    }

    private (string Name, string Key) _lastOrganization = ("", "");

    /// <summary>The source key of an organization named by a column (most rows repeat the previous row's: computed once).</summary>
    private string OrganizationKey(string name)
    {
        if (!string.Equals(_lastOrganization.Name, name, StringComparison.Ordinal) || _lastOrganization.Key.Length == 0)
        {
            _lastOrganization = (name, "organization:" + CsvMapping.Normalize(name));
        }
        return _lastOrganization.Key;
    }

    private void AppendLocation(SourceRecord record, Row values, Origin origin)
    {
        if (!HasLocations || !LocationTargets.Any(t => values.Get(t) is not null))
        {
            return;
        }
        var (lat, lng) = Coordinates(values, record, origin);
        var country = Country(values.Get("country") ?? _options.Country);
        // A country alone is kept as an address too: it says which country's system the site belongs to.
        var hasAddress = AddressTargets.Any(t => values.Get(t) is not null) || values.Get("country") is not null;
        Guid? locationId = null;
        string? locationKey = null;
        if (values.Get("location_id") is { } lid)
        {
            if (Guid.TryParse(lid, out var parsed))
            {
                locationId = parsed;
            }
            locationKey = lid;
        }
        var n = record.Doc.ServiceAtLocations!.Length;
        locationKey ??= n == 0 ? record.Key : $"{record.Key}#{n + 1}";
        var location = new LocationDocument
        {
            Id = locationId,
            // Without a location_name column the first location is named after the service; with one, as the column says.
            Name = Covered.Contains("location_name") ? values.Get("location_name") : n == 0 ? record.Doc.Name : null,
            LocationType = values.Get("location_type"),
            Visibility = values.Get("visibility"),
            Latitude = lat,
            Longitude = lng,
            Description = values.Get("location_description"),
            Transportation = values.Get("transportation"),
            Accessibility = values.Get("accessibility") is { } a ? [new AccessibilityDocument { Description = a }] : null,
            Addresses = hasAddress
                ? [new AddressDocument
                {
                    Address1 = values.Get("address_1"),
                    Address2 = values.Get("address_2"),
                    City = values.Get("city"),
                    Region = values.Get("region"),
                    StateProvince = values.Get("state_province"),
                    PostalCode = values.Get("postal_code"),
                    Country = country,
                    AddressType = "physical",
                }]
                : [],
        };
        record.Doc = record.Doc with
        {
            ServiceAtLocations = [.. record.Doc.ServiceAtLocations, new ServiceAtLocationDocument { LocationId = locationId, Location = location }],
        };
        record.LocationKeys.Add(locationKey);
        record.LocationCountries.Add(country);
        record.LocationLines.Add(origin.Line);
    }

    private static (double? Lat, double? Lng) Coordinates(Row values, SourceRecord record, Origin origin)
    {
        string? latText = values.Get("latitude"), lngText = values.Get("longitude");
        if (values.Get("coordinates") is { } pair && latText is null && lngText is null)
        {
            var parts = pair.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2)
            {
                (latText, lngText) = (parts[0], parts[1]);
            }
            else
            {
                record.Issues.Add(new ImportIssue(IssueCodes.UnparsableCoordinates,
                    $"'{FieldErrors.Clip(pair)}' is not a 'latitude, longitude' pair.", origin.File, origin.Line, record.Key, "coordinates"));
                return (null, null);
            }
        }
        // Only a physical location needs a position (as the API says); a virtual or postal one may have none.
        var virtualLocation = values.Get("location_type")?.ToLowerInvariant() is "virtual" or "postal";
        if (latText is null && lngText is null)
        {
            if (!virtualLocation)
            {
                record.Issues.Add(new ImportIssue(IssueCodes.MissingCoordinates,
                    "the row has a location but no latitude and longitude (addresses are not geocoded).", origin.File, origin.Line, record.Key, "latitude"));
            }
            return (null, null);
        }
        var lat = Number(latText);
        var lng = Number(lngText);
        if (latText is null || lngText is null)
        {
            record.Issues.Add(new ImportIssue(IssueCodes.MissingCoordinates, "latitude and longitude go together; one is missing.",
                origin.File, origin.Line, record.Key, latText is null ? "latitude" : "longitude"));
        }
        else if (lat is null || lng is null)
        {
            var (field, text) = lat is null ? ("latitude", latText) : ("longitude", lngText);
            record.Issues.Add(new ImportIssue(IssueCodes.UnparsableCoordinates,
                $"'{FieldErrors.Clip(text)}' is not a decimal number of degrees (such as 9.9333 or -84.0833).", origin.File, origin.Line, record.Key, field));
        }
        return (lat, lng);
    }

    /// <summary>A decimal number; a lone decimal comma (9,9333) is accepted, as spreadsheets in many locales write it.</summary>
    internal static double? Number(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var t = text.Trim();
        if (t.Count(c => c == ',') == 1 && !t.Contains('.', StringComparison.Ordinal))
        {
            t = t.Replace(',', '.');
        }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
    }

    private void MergeLists(SourceRecord record, Row values)
    {
        var doc = record.Doc;
        if (Phones(values, record) is { } phones)
        {
            var known = (doc.Phones ?? []).Select(p => p.Number).ToHashSet(StringComparer.Ordinal);
            doc = doc with { Phones = [.. doc.Phones ?? [], .. phones.Where(known.Add).Select(n => new PhoneDocument { Number = n })] };
        }
        if (Categories(values) is { } categories)
        {
            doc = doc with { Categories = [.. (doc.Categories ?? []).Union(categories, StringComparer.Ordinal)] };
        }
        record.Doc = doc;
    }

    /// <summary>The cell's numbers, split and in E.164 by the row's country where possible; the rest kept as written, with a warning.</summary>
    private string[]? Phones(Row values, SourceRecord record)
    {
        if (values.Get("phones") is not { } raw)
        {
            return null;
        }
        var country = Country(values.Get("country") ?? _options.Country);
        var numbers = new List<string>();
        foreach (var cell in raw.Split(_separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (parsed, unparsed) = PhoneCells.Split(cell, country);
            numbers.AddRange(parsed);
            foreach (var text in unparsed)
            {
                record.Issues.Add(new ImportIssue(IssueCodes.PhoneAsWritten,
                    $"'{FieldErrors.Clip(text)}' could not be read as a full number{(country is null ? " (no country given)" : $" of {country}")}; it is kept as written.",
                    record.Origin.File, record.Origin.Line, record.Key, "phones"));
            }
        }
        return [.. numbers.Distinct(StringComparer.Ordinal)];
    }

    private string[]? Categories(Row values) =>
        List(values, "categories")?.Select(c => _categories.Resolve(_options.Mapping.Translate("categories", c))).ToArray();

    private string[]? List(Row values, string target)
    {
        if (values.Get(target) is not { } raw)
        {
            return null;
        }
        var separator = raw.Contains(_separator, StringComparison.Ordinal) || _separator == "," ? _separator : ",";
        var items = raw.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return target == "categories" ? items : [.. items.Select(i => _options.Mapping.Translate(target, i))];
    }

    private static int? Integer(Row values, string target, SourceRecord record)
    {
        if (values.Get(target) is not { } text)
        {
            return null;
        }
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }
        record.Issues.Add(new ImportIssue(IssueCodes.InvalidValue, $"'{FieldErrors.Clip(text)}' is not a whole number.",
            record.Origin.File, record.Origin.Line, record.Key, target));
        return null;
    }

    private static bool? Boolean(Row values, string target, SourceRecord record)
    {
        if (values.Get(target) is not { } text)
        {
            return null;
        }
        switch (CsvMapping.Normalize(text))
        {
            case "true" or "yes" or "y" or "1" or "si" or "sim" or "oui" or "x":
                return true;
            case "false" or "no" or "n" or "0" or "nao" or "non":
                return false;
            default:
                record.Issues.Add(new ImportIssue(IssueCodes.InvalidValue, $"'{FieldErrors.Clip(text)}' is not true or false.",
                    record.Origin.File, record.Origin.Line, record.Key, target));
                return null;
        }
    }

    private static DateTimeOffset? Instant(Row values, string target, SourceRecord record)
    {
        if (values.Get(target) is not { } text)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var v))
        {
            return v;
        }
        record.Issues.Add(new ImportIssue(IssueCodes.InvalidValue, $"'{FieldErrors.Clip(text)}' is not an ISO 8601 date-time.",
            record.Origin.File, record.Origin.Line, record.Key, target));
        return null;
    }

    private static string LanguageCode(string text) =>
        LanguageCodes.Value.TryGetValue(CsvMapping.Normalize(text), out var code) ? code : text.Trim().ToLowerInvariant();

    private static readonly Lazy<Dictionary<string, string>> LanguageCodes = new(() =>
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var culture in CultureInfo.GetCultures(CultureTypes.NeutralCultures))
        {
            var code = culture.TwoLetterISOLanguageName;
            if (code.Length != 2 || culture.Name.Length == 0)
            {
                continue;
            }
            map.TryAdd(CsvMapping.Normalize(culture.EnglishName), code);
            map.TryAdd(CsvMapping.Normalize(culture.NativeName), code);
        }
        return map;
    });

    /// <summary>An ISO 3166-1 alpha-2 code from a code (two or three letters) or a country name in English or the local language.</summary>
    internal static string? Country(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var t = text.Trim();
        if (t.Length == 2)
        {
            return t.ToUpperInvariant();
        }
        return CountryCodes.Value.TryGetValue(CsvMapping.Normalize(t), out var code) ? code : t;
    }

    private static readonly Lazy<Dictionary<string, string>> CountryCodes = new(() =>
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
        {
            RegionInfo region;
            try
            {
                region = new RegionInfo(culture.Name);
            }
            catch (ArgumentException)
            {
                continue;
            }
            var code = region.TwoLetterISORegionName;
            if (code.Length != 2 || !code.All(char.IsAsciiLetterUpper))
            {
                continue;
            }
            map.TryAdd(CsvMapping.Normalize(region.ThreeLetterISORegionName), code);
            map.TryAdd(CsvMapping.Normalize(region.EnglishName), code);
            map.TryAdd(CsvMapping.Normalize(region.NativeName), code);
        }
        return map;
    });

    /// <summary>A row's values by target, with the mapping's defaults and value translations applied.</summary>
    private readonly struct Row(IReadOnlyDictionary<string, string?> values, CsvMapping mapping)
    {
        public string? Get(string target)
        {
            var v = values.TryGetValue(target, out var raw) && !string.IsNullOrWhiteSpace(raw) ? raw.Trim() : null;
            v ??= mapping.Defaults.TryGetValue(target, out var d) && !string.IsNullOrWhiteSpace(d) ? d.Trim() : null;
            return v is null || target is "categories" or "phones" or "languages" or "genders" or "delivery_modes" or "audience" or "platforms"
                ? v
                : mapping.Translate(target, v);
        }
    }
}

/// <summary>Category codes from what spreadsheets write: the code, the term's name, or a label in any language.</summary>
internal sealed class CategoryResolver(IReadOnlyDictionary<string, CategoryInfo> catalog)
{
    private readonly Dictionary<string, string> _byName = Build(catalog);

    public IReadOnlyDictionary<string, CategoryInfo> Catalog => catalog;

    /// <summary>The code for <paramref name="text"/>, or the text itself (then the validator reports it as unknown).</summary>
    public string Resolve(string text)
    {
        var code = text.Trim().ToLowerInvariant();
        return catalog.ContainsKey(code) ? code : _byName.GetValueOrDefault(CsvMapping.Normalize(text)) ?? text.Trim();
    }

    private static Dictionary<string, string> Build(IReadOnlyDictionary<string, CategoryInfo> catalog)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in catalog.Values)
        {
            map.TryAdd(CsvMapping.Normalize(c.Code), c.Code);
            map.TryAdd(CsvMapping.Normalize(c.Name), c.Code);
            foreach (var label in c.Labels.Values)
            {
                map.TryAdd(CsvMapping.Normalize(label), c.Code);
            }
        }
        return map;
    }
}
