using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.RegularExpressions;
using Referral.Api.Features.Locations;
using Referral.Api.Infrastructure;
using Point = NetTopologySuite.Geometries.Point;

namespace Referral.Api.Features.Services;

/// <summary>
/// The field rules of a service document (and of the locations and addresses it carries), shared by the write API (<see cref="ServiceWriter"/>) and the import
/// (<c>ImportValidator</c>), so that a record the API refuses is refused by an import for the same reason and with the
/// same message. Ids missing from schedules and service areas come from the caller (new ones for the API, stable ones
/// for a re-importable file).
/// </summary>
internal static partial class ServiceRules
{
    /// <summary>Why a service without a location and without a service area is refused (write API; the import says missing_coordinates).</summary>
    internal const string SitelessNeedsArea =
        "is required for a service without a location: give the area it serves (region_codes such as CR or CR-SJ, or an extent), "
        + "or a location with latitude and longitude; nearest, referral and gap analysis could never find it otherwise.";

    internal static void ApplyScalars(ServiceDocument doc, Service s, FieldErrors errors)
    {
        s.OrganizationId = doc.OrganizationId ?? Guid.Empty;
        s.Name = errors.Text("name", doc.Name, Limits.Name, required: true) ?? "";
        s.AlternateName = errors.Text("alternate_name", doc.AlternateName, Limits.Name);
        s.Description = errors.Text("description", doc.Description, Limits.Text);
        s.Url = errors.Url("url", doc.Url);
        s.Email = errors.Email("email", doc.Email);
        s.Status = errors.OneOf("status", doc.Status, Vocabulary.ServiceStatuses, required: true) ?? "active";
        s.InterpretationServices = errors.Text("interpretation_services", doc.InterpretationServices, Limits.Text);
        s.ApplicationProcess = errors.Text("application_process", doc.ApplicationProcess, Limits.Text);
        s.FeesDescription = errors.Text("fees_description", doc.FeesDescription, Limits.Text);
        s.EligibilityDescription = errors.Text("eligibility_description", doc.EligibilityDescription, Limits.Text);
        s.Alert = errors.Text("alert", doc.Alert, Limits.Text);
        s.AssurerEmail = errors.Email("assurer_email", doc.AssurerEmail);
        s.AssuredDate = errors.Date("assured_date", doc.AssuredDate);
        // A date in the future would keep the record "verified" for years; a day of slack covers every time zone.
        if (s.AssuredDate > DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1))
        {
            errors.Add("assured_date", "must not be in the future.");
        }
        s.MinimumAge = Age("minimum_age", doc.MinimumAge, errors);
        s.MaximumAge = Age("maximum_age", doc.MaximumAge, errors);
        if (s.MinimumAge > s.MaximumAge)
        {
            errors.Add("minimum_age", "must not be greater than maximum_age.");
        }
        s.IsFree = doc.IsFree;
        s.Available24x7 = doc.Available247 ?? false;
        s.Genders = errors.Many("genders", doc.Genders, Vocabulary.Genders) is { Length: > 0 } g ? g : ["any"];
        s.DeliveryModes = errors.Many("delivery_modes", doc.DeliveryModes, Vocabulary.DeliveryModes);
        s.Audience = errors.Many("audience", doc.Audience, Vocabulary.Audiences);
        s.Platforms = errors.Many("platforms", doc.Platforms, Vocabulary.Platforms);
        s.Languages = LanguageCodes("languages", doc.Languages?.Select(l => l?.Code).ToArray(), errors);
    }

    private static int? Age(string field, int? age, FieldErrors errors)
    {
        if (age is < 0 or > 120)
        {
            errors.Add(field, "must be between 0 and 120.");
            return null;
        }
        return age;
    }

    internal static string[] LanguageCodes(string field, string?[]? codes, FieldErrors errors)
    {
        if (codes is null)
        {
            return [];
        }
        if (codes.Length > Limits.ListItems)
        {
            errors.Add(field, $"must have at most {Limits.ListItems} items.");
            return [];
        }
        var result = new List<string>();
        for (var i = 0; i < codes.Length; i++)
        {
            var code = codes[i]?.Trim().ToLowerInvariant();
            if (code is null || !LanguageCode().IsMatch(code))
            {
                errors.Add($"{field}[{i}].code", "must be an ISO 639-1 or 639-3 code such as 'es', 'en' or 'bzd'.");
            }
            else if (!result.Contains(code))
            {
                result.Add(code);
            }
        }
        return [.. result];
    }

    internal static List<Phone> ParsePhones(PhoneDocument[]? docs, Guid serviceId, FieldErrors errors)
    {
        var result = new List<Phone>();
        if (TooMany("phones", docs, errors))
        {
            return result;
        }
        for (var i = 0; i < docs!.Length; i++)
        {
            var d = docs[i];
            var f = $"phones[{i}]";
            if (IsNull(f, d, errors))
            {
                continue;
            }
            var number = errors.Text($"{f}.number", d.Number, Limits.Phone, required: true);
            if (number is not null && !PhoneNumber().IsMatch(number))
            {
                errors.Add($"{f}.number", "must be a phone number: digits with an optional leading +, spaces, dashes or dots (e.g. +50622223333 or 116 111).");
            }
            if (d.Extension is < 0)
            {
                errors.Add($"{f}.extension", "must not be negative.");
            }
            result.Add(new Phone
            {
                Id = d.Id ?? TimeOrderedGuid.Create(),
                ServiceId = serviceId,
                Number = number ?? "",
                Extension = d.Extension,
                Type = errors.OneOf($"{f}.type", d.Type, Vocabulary.PhoneTypes, fallback: "voice"),
                Description = errors.Text($"{f}.description", d.Description, Limits.Text),
                Languages = LanguageCodes($"{f}.languages", d.Languages?.Select(l => l?.Code).ToArray(), errors),
            });
        }
        return result;
    }

    internal static List<Schedule> ParseSchedules(ScheduleDocument[]? docs, Guid serviceId, FieldErrors errors, Func<int, Guid> newId)
    {
        var result = new List<Schedule>();
        if (TooMany("schedules", docs, errors))
        {
            return result;
        }
        for (var i = 0; i < docs!.Length; i++)
        {
            var d = docs[i];
            var f = $"schedules[{i}]";
            if (IsNull(f, d, errors))
            {
                continue;
            }
            if (d.Freq is { } freq && !freq.Equals("WEEKLY", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{f}.freq", "only WEEKLY schedules are supported.");
            }
            var byday = d.Byday?.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
            var days = byday?.Split(',') ?? [];
            if (string.IsNullOrEmpty(byday) || days.Any(x => !Vocabulary.Weekdays.Contains(x)))
            {
                errors.Add($"{f}.byday", "is required: comma-separated days from MO,TU,WE,TH,FR,SA,SU.");
            }
            else if (days.Distinct().Count() != days.Length)
            {
                // Repeats mean nothing, and enough of them overflow the 64-character column.
                errors.Add($"{f}.byday", "lists a day more than once.");
            }
            var opens = errors.Time($"{f}.opens_at", d.OpensAt);
            var closes = errors.Time($"{f}.closes_at", d.ClosesAt);
            if ((opens is null) != (closes is null))
            {
                errors.Add($"{f}.closes_at", "opens_at and closes_at go together.");
            }
            var from = errors.Date($"{f}.valid_from", d.ValidFrom);
            var to = errors.Date($"{f}.valid_to", d.ValidTo);
            if (from > to)
            {
                errors.Add($"{f}.valid_to", "must not be before valid_from.");
            }
            var zone = d.TimeZone?.Trim() ?? OffsetZone(d.Timezone);
            if (zone is null)
            {
                errors.Add($"{f}.time_zone", "is required: an IANA time zone such as America/Costa_Rica.");
            }
            else if (zone.Length > Limits.Code || TimeZones.Canonical(zone) is not { } canonical)
            {
                errors.Add($"{f}.time_zone", $"'{FieldErrors.Clip(zone)}' is not a known IANA time zone (such as America/Costa_Rica; ids are case-sensitive).");
            }
            else
            {
                // PostgreSQL reads IANA ids only: a Windows id is stored as its IANA zone, so one record cannot break "open now".
                zone = canonical;
            }
            result.Add(new Schedule
            {
                Id = d.Id ?? newId(i),
                ServiceId = serviceId,
                ByDay = byday ?? "",
                OpensAt = opens,
                ClosesAt = closes,
                ValidFrom = from,
                ValidTo = to,
                TimeZone = zone ?? "UTC",
                Description = errors.Text($"{f}.description", d.Description, Limits.Text),
                Notes = errors.Text($"{f}.notes", d.Notes, Limits.Text),
            });
        }
        return result;
    }

    // HSDS carries only a UTC offset; Etc/GMT zones have the inverted sign by POSIX convention.
    private static string? OffsetZone(double? hours) => hours switch
    {
        null => null,
        0 => "UTC",
        { } h when h == Math.Floor(h) && h is >= -12 and <= 14 => $"Etc/GMT{(h > 0 ? "-" : "+")}{Math.Abs(h)}",
        _ => "invalid offset",
    };

    internal static List<ServiceArea> ParseAreas(ServiceAreaDocument[]? docs, Guid serviceId, FieldErrors errors, Func<int, Guid> newId, ServiceAreaLimits limits)
    {
        var result = new List<ServiceArea>();
        if (TooMany("service_areas", docs, errors))
        {
            return result;
        }
        if (docs.Length > limits.MaxPerService)
        {
            errors.Add("service_areas", $"must have at most {limits.MaxPerService} items (ServiceAreas:MaxPerService).");
            return result;
        }
        for (var i = 0; i < docs!.Length; i++)
        {
            var d = docs[i];
            var f = $"service_areas[{i}]";
            if (IsNull(f, d, errors))
            {
                continue;
            }
            var extent = d.Extent is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } e
                ? GeoJsonInput.ReadArea($"{f}.extent", e, errors, limits.MaxVertices)
                : null;
            var codes = new List<string>();
            var raw = d.RegionCodes ?? [];
            if (raw.Length > Limits.ListItems)
            {
                errors.Add($"{f}.region_codes", $"must have at most {Limits.ListItems} items.");
                raw = [];
            }
            for (var j = 0; j < raw.Length; j++)
            {
                var code = raw[j]?.Trim().ToUpperInvariant();
                if (code is null || !RegionCode().IsMatch(code))
                {
                    errors.Add($"{f}.region_codes[{j}]", "must be a region code such as CR or CR-SJ (letters, digits, '-', '_', '.').");
                }
                else if (!codes.Contains(code))
                {
                    codes.Add(code);
                }
            }
            if (extent is null && codes.Count == 0 && d.Extent is null)
            {
                errors.Add(f, "needs an extent (GeoJSON) or region_codes.");
            }
            result.Add(new ServiceArea
            {
                Id = d.Id ?? newId(i),
                ServiceId = serviceId,
                Name = errors.Text($"{f}.name", d.Name, Limits.Name),
                Description = errors.Text($"{f}.description", d.Description, Limits.Text),
                Extent = extent,
                RegionCodes = [.. codes],
            });
        }
        return result;
    }

    /// <summary>A location's type, visibility (unchanged when absent from an update), names and url.</summary>
    internal static void ApplyLocationScalars(LocationDocument d, Location l, bool isNew, string f, FieldErrors errors)
    {
        l.LocationType = errors.OneOf($"{f}.location_type", d.LocationType, Vocabulary.LocationTypes, fallback: "physical")!;
        l.Visibility = errors.OneOf($"{f}.visibility", d.Visibility, Vocabulary.Visibilities, fallback: isNew ? Confidentiality.Public : l.Visibility)!;
        l.Name = errors.Text($"{f}.name", d.Name, Limits.Name);
        l.AlternateName = errors.Text($"{f}.alternate_name", d.AlternateName, Limits.Name);
        l.Url = errors.Url($"{f}.url", d.Url);
    }

    /// <summary>
    /// The document's coordinates: false (with the errors) when only one is given or one is out of range; otherwise
    /// <paramref name="point"/> is the point, or null when the document gives none.
    /// </summary>
    internal static bool TryParsePoint(LocationDocument d, string f, FieldErrors errors, out Point? point)
    {
        point = null;
        if ((d.Latitude is null) != (d.Longitude is null))
        {
            errors.Add($"{f}.latitude", "latitude and longitude go together.");
            return false;
        }
        if (d.Latitude is not { } lat || d.Longitude is not { } lng)
        {
            return true;
        }
        if (!Geo.IsValidLatitude(lat))
        {
            errors.Add($"{f}.latitude", "must be between -90 and 90.");
        }
        if (!Geo.IsValidLongitude(lng))
        {
            errors.Add($"{f}.longitude", "must be between -180 and 180.");
        }
        if (!Geo.IsValidLatitude(lat) || !Geo.IsValidLongitude(lng))
        {
            return false;
        }
        point = Geo.Point(lat, lng);
        return true;
    }

    /// <summary>A location's addresses (at most 10); null, with the error, when there are too many.</summary>
    internal static List<Address>? ParseAddresses(AddressDocument[] docs, Guid locationId, string f, FieldErrors errors, Func<int, Guid> newId)
    {
        if (docs.Length > 10)
        {
            errors.Add($"{f}.addresses", "must have at most 10 items.");
            return null;
        }
        var parsed = new List<Address>();
        for (var i = 0; i < docs.Length; i++)
        {
            var d = docs[i];
            var af = $"{f}.addresses[{i}]";
            if (IsNull(af, d, errors))
            {
                continue;
            }
            var country = errors.Text($"{af}.country", d.Country, 2, required: true)?.ToUpperInvariant();
            if (country is not null && !CountryCode().IsMatch(country))
            {
                errors.Add($"{af}.country", "must be an ISO 3166-1 alpha-2 code such as CR.");
            }
            parsed.Add(new Address
            {
                Id = d.Id ?? newId(i),
                LocationId = locationId,
                Attention = errors.Text($"{af}.attention", d.Attention, Limits.Short),
                Address1 = errors.Text($"{af}.address_1", d.Address1, Limits.Short),
                Address2 = errors.Text($"{af}.address_2", d.Address2, Limits.Short),
                // Not required: real facility lists often give only a county or region, and a partial address beats none.
                City = errors.Text($"{af}.city", d.City, Limits.Short) ?? "",
                Region = errors.Text($"{af}.region", d.Region, Limits.Short),
                StateProvince = errors.Text($"{af}.state_province", d.StateProvince, Limits.Short),
                PostalCode = errors.Text($"{af}.postal_code", d.PostalCode, Limits.Code),
                Country = country ?? "",
                AddressType = errors.OneOf($"{af}.address_type", d.AddressType, ["physical", "postal", "virtual"], fallback: "physical")!,
            });
        }
        return parsed;
    }

    /// <summary>HSDS has no null list items; one is an error, not a crash.</summary>
    internal static bool IsNull<T>(string field, [NotNullWhen(false)] T? doc, FieldErrors errors) where T : class
    {
        if (doc is null)
        {
            errors.Add(field, "must be an object, not null.");
            return true;
        }
        return false;
    }

    internal static bool TooMany<T>(string field, [NotNullWhen(false)] T[]? docs, FieldErrors errors)
    {
        if (docs is null)
        {
            return true;
        }
        if (docs.Length > Limits.Children)
        {
            errors.Add(field, $"must have at most {Limits.Children} items.");
            return true;
        }
        return false;
    }

    [GeneratedRegex(@"^\+?[0-9][0-9 ().\-]{1,30}$")]
    internal static partial Regex PhoneNumber();

    [GeneratedRegex("^[a-z]{2,3}$")]
    internal static partial Regex LanguageCode();

    [GeneratedRegex(@"^[A-Z0-9][A-Z0-9_.\-]{0,63}$")]
    internal static partial Regex RegionCode();

    [GeneratedRegex("^[A-Z]{2}$")]
    internal static partial Regex CountryCode();
}
