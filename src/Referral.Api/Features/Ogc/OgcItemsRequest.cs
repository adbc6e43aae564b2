using System.Globalization;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Ogc;

/// <summary>A longitude/latitude box in CRS84; <see cref="MinLongitude"/> &gt; <see cref="MaxLongitude"/> crosses the antimeridian.</summary>
internal sealed record OgcBox(double MinLongitude, double MinLatitude, double MaxLongitude, double MaxLatitude)
{
    public bool CrossesAntimeridian => MinLongitude > MaxLongitude;

    /// <summary>The one or two boxes (east and west of the antimeridian) that make it up.</summary>
    public IEnumerable<OgcBox> Parts => CrossesAntimeridian
        ? [this with { MaxLongitude = 180 }, this with { MinLongitude = -180 }]
        : [this];

    public bool Contains(double longitude, double latitude) =>
        latitude >= MinLatitude && latitude <= MaxLatitude
        && (CrossesAntimeridian ? longitude >= MinLongitude || longitude <= MaxLongitude : longitude >= MinLongitude && longitude <= MaxLongitude);
}

/// <summary>
/// The checked query of an items request (OGC API – Features Part 1, 7.15). Unknown parameters are refused
/// (/req/core/query-param-unknown), bad values too (/req/core/query-param-invalid); a limit above the maximum is
/// reduced to it (/req/core/fc-limit-response-1).
/// </summary>
internal sealed record OgcItemsRequest(
    int Limit, int Offset, OgcBox? Box, DateTimeOffset? From, DateTimeOffset? To,
    string? Category, string? Status, string? Language, int? Age, Guid? OrganizationId)
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 1000;

    /// <summary>Parameters every collection accepts; <see cref="ServiceParameters"/> only the services collection.</summary>
    public static readonly string[] CommonParameters = ["limit", "offset", "bbox", "f"];
    public static readonly string[] ServiceParameters = ["datetime", "category", "status", "language", "age", "organization_id"];

    public static OgcItemsRequest? Parse(OgcItemsQuery q, IEnumerable<string> keys, bool services, FieldErrors errors)
    {
        foreach (var key in keys)
        {
            if (!CommonParameters.Contains(key, StringComparer.Ordinal) && !(services && ServiceParameters.Contains(key, StringComparer.Ordinal)))
            {
                errors.Add(key, services
                    ? "is not a parameter of this collection (limit, offset, bbox, datetime, category, status, language, age, organization_id, f)."
                    : "is not a parameter of this collection (limit, offset, bbox, f).");
            }
        }
        CheckFormat(q.F, errors);
        var limit = Int(q.Limit, "limit", 1, int.MaxValue, errors) ?? DefaultLimit;
        var offset = Int(q.Offset, "offset", 0, int.MaxValue, errors) ?? 0;
        var box = ParseBox(q.Bbox, errors);
        var (from, to) = Interval(q.Datetime, errors);
        var status = Clean(q.Status);
        if (status is not null && !Vocabulary.ServiceStatuses.Contains(status, StringComparer.Ordinal))
        {
            errors.Add("status", $"must be one of {string.Join(", ", Vocabulary.ServiceStatuses)}.");
        }
        var age = Int(q.Age, "age", 0, 150, errors);
        Guid? org = null;
        if (Clean(q.OrganizationId) is { } orgText)
        {
            if (Guid.TryParse(orgText, out var id))
            {
                org = id;
            }
            else
            {
                errors.Add("organization_id", "must be a UUID.");
            }
        }
        return errors.Any ? null : new OgcItemsRequest(Math.Min(limit, MaxLimit), offset, box, from, to,
            Clean(q.Category), status, Clean(q.Language), age, org);
    }

    /// <summary><c>f</c>: only JSON is served (GeoJSON for features), so only json/geojson are accepted.</summary>
    public static void CheckFormat(string? format, FieldErrors errors)
    {
        if (Clean(format) is { } f && f is not ("json" or "geojson"))
        {
            errors.Add("f", "must be json or geojson (no other format is served).");
        }
    }

    /// <summary>Refuses any query parameter but <c>f</c> on resources that take none.</summary>
    public static void OnlyFormat(string? format, IEnumerable<string> keys, FieldErrors errors)
    {
        foreach (var key in keys.Where(k => k != "f"))
        {
            errors.Add(key, "is not a parameter of this resource (only f).");
        }
        CheckFormat(format, errors);
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int? Int(string? raw, string name, int min, int max, FieldErrors errors)
    {
        if (Clean(raw) is not { } text)
        {
            return null;
        }
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            errors.Add(name, $"must be a whole number of at least {min}.");
            return null;
        }
        if (value > max)
        {
            if (name == "limit")
            {
                return int.MaxValue;
            }
            errors.Add(name, $"must be at most {max}.");
            return null;
        }
        return (int)value;
    }

    private static OgcBox? ParseBox(string? text, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var parts = text.Split(',');
        var numbers = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) || !double.IsFinite(numbers[i]))
            {
                errors.Add("bbox", "must be four (or six) comma-separated numbers: minLon,minLat,maxLon,maxLat.");
                return null;
            }
        }
        // Six numbers: minLon,minLat,minHeight,maxLon,maxLat,maxHeight (heights ignored: every geometry here is 2D).
        var (x1, y1, x2, y2) = numbers.Length switch
        {
            4 => (numbers[0], numbers[1], numbers[2], numbers[3]),
            6 => (numbers[0], numbers[1], numbers[3], numbers[4]),
            _ => (double.NaN, 0, 0, 0),
        };
        if (double.IsNaN(x1))
        {
            errors.Add("bbox", "must be four (or six) comma-separated numbers: minLon,minLat,maxLon,maxLat.");
            return null;
        }
        if (x1 is < -180 or > 180 || x2 is < -180 or > 180 || y1 is < -90 or > 90 || y2 is < -90 or > 90)
        {
            errors.Add("bbox", "has a longitude outside -180..180 or a latitude outside -90..90 (order: minLon,minLat,maxLon,maxLat).");
            return null;
        }
        if (y1 > y2)
        {
            errors.Add("bbox", "has its minimum latitude above its maximum (order: minLon,minLat,maxLon,maxLat).");
            return null;
        }
        return new OgcBox(x1, y1, x2, y2);
    }

    private static (DateTimeOffset? From, DateTimeOffset? To) Interval(string? text, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, null);
        }
        var parts = text.Split('/');
        if (parts.Length == 1)
        {
            return Instant(parts[0], errors) is { } at ? (at, at) : (null, null);
        }
        if (parts.Length != 2 || (IsOpen(parts[0]) && IsOpen(parts[1])))
        {
            errors.Add("datetime", "must be an RFC 3339 instant or an interval a/b with at most one open end (..).");
            return (null, null);
        }
        var from = IsOpen(parts[0]) ? null : Instant(parts[0], errors);
        var to = IsOpen(parts[1]) ? null : Instant(parts[1], errors);
        if (from > to)
        {
            errors.Add("datetime", "starts after it ends.");
        }
        return (from, to);
    }

    private static bool IsOpen(string part) => part is ".." or "";

    private static DateTimeOffset? Instant(string text, FieldErrors errors)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }
        errors.Add("datetime", "must be an RFC 3339 instant (e.g. 2026-01-31T00:00:00Z) or an interval a/b with .. for an open end.");
        return null;
    }
}
