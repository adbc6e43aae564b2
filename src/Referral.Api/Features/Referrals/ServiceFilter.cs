using System.Globalization;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Referrals;

/// <summary>The child's profile and the caller's constraints, shared by nearest, remote, referral card and GraphQL.</summary>
internal sealed record ServiceFilter
{
    public string[] Categories { get; init; } = [];
    public string? Language { get; init; }
    public int? Age { get; init; }
    public string? Gender { get; init; }
    public string? Mode { get; init; }
    public bool? Free { get; init; }
    public string? Audience { get; init; }
    public string? Platform { get; init; }
    public string? Search { get; init; }

    /// <summary>Leave out services whose assured_date is older than the freshness window.</summary>
    public bool ExcludeStale { get; init; }

    /// <summary>Only services open at <see cref="At"/>.</summary>
    public bool OpenOnly { get; init; }

    /// <summary>The moment open-now is evaluated at (each service in its own time zone).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Keep to the origin's country (the default: a child is referred within its country's system).</summary>
    public bool SameCountry { get; init; } = true;

    /// <summary>Only sites in this country (set by the nearest search from the origin; see <see cref="Borders"/>).</summary>
    public string? Country { get; init; }

    /// <summary>Only sites known to be outside this country (the "nearest abroad" probe).</summary>
    public string? OutsideCountry { get; init; }
}

/// <summary>Raw filter values from a query string or GraphQL input, before validation.</summary>
internal sealed record FilterInput(
    IReadOnlyList<string>? Categories = null,
    string? Language = null,
    int? Age = null,
    string? Gender = null,
    string? Mode = null,
    bool? Free = null,
    string? Audience = null,
    string? Platform = null,
    string? Search = null,
    bool? OpenNow = null,
    string? At = null,
    bool? ExcludeStale = null,
    bool? SameCountry = null);

internal static class FilterParser
{
    public const int MaxLimit = 50;
    public const double MaxDistanceM = 20_037_509; // half the equator: every point on Earth

    /// <summary>Validates <paramref name="input"/>; unknown categories and impossible values are field errors.</summary>
    public static ServiceFilter Parse(FilterInput input, IReadOnlyCollection<string> knownCategories, DateTimeOffset now, FieldErrors errors)
    {
        var categories = new List<string>();
        foreach (var raw in (input.Categories ?? []).SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var code = raw.ToLowerInvariant();
            if (!knownCategories.Contains(code))
            {
                errors.Add("category", Texts.Get("UnknownCategory", FieldErrors.Clip(raw), string.Join(", ", knownCategories.Order(StringComparer.Ordinal))));
            }
            else if (!categories.Contains(code))
            {
                categories.Add(code);
            }
        }
        if (input.Age is < 0 or > 120)
        {
            errors.Add("age", Texts.Get("AgeRange"));
        }
        var language = input.Language?.Trim().ToLowerInvariant();
        if (language is not null && (language.Length is < 2 or > 3 || !language.All(char.IsAsciiLetterLower)))
        {
            errors.Add("language", Texts.Get("LanguageCode"));
        }
        var at = now;
        if (input.At is { Length: > 0 } text)
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out at) || !HasOffset(text))
            {
                errors.Add("at", Texts.Get("AtFormat"));
                at = now;
            }
        }
        var search = input.Search?.Trim();
        if (SearchText.Problem(search) is { } problem)
        {
            errors.Add("search", problem);
        }
        return new ServiceFilter
        {
            Categories = [.. categories],
            Language = language,
            Age = input.Age,
            Gender = errors.OneOf("gender", input.Gender, Vocabulary.Genders),
            Mode = errors.OneOf("mode", input.Mode, Vocabulary.DeliveryModes),
            Free = input.Free,
            Audience = errors.OneOf("audience", input.Audience, Vocabulary.Audiences),
            Platform = errors.OneOf("platform", input.Platform, Vocabulary.Platforms),
            Search = string.IsNullOrEmpty(search) ? null : search,
            OpenOnly = input.OpenNow == true || input.At is { Length: > 0 },
            ExcludeStale = input.ExcludeStale == true,
            SameCountry = input.SameCountry ?? true,
            // PostgreSQL timestamptz takes UTC; each service's own zone is applied in SQL.
            At = at.ToUniversalTime(),
        };
    }

    public static GeoPoint? Origin(double? lat, double? lng, FieldErrors errors)
    {
        if (lat is null)
        {
            errors.Add("lat", Texts.Get("LatRequired"));
        }
        else if (!Geo.IsValidLatitude(lat.Value))
        {
            errors.Add("lat", Texts.Get("LatRange"));
        }
        if (lng is null)
        {
            errors.Add("lng", Texts.Get("LngRequired"));
        }
        else if (!Geo.IsValidLongitude(lng.Value))
        {
            errors.Add("lng", Texts.Get("LngRange"));
        }
        return lat is { } a && lng is { } b && Geo.IsValidLatitude(a) && Geo.IsValidLongitude(b) ? new GeoPoint(a, b) : null;
    }

    public static int Limit(int? limit, int fallback, FieldErrors errors)
    {
        if (limit is < 1)
        {
            errors.Add("limit", Texts.Get("LimitMin"));
        }
        return Math.Clamp(limit ?? fallback, 1, MaxLimit);
    }

    public static double? MaxDistance(double? metres, string field, FieldErrors errors)
    {
        if (metres is { } m && (!double.IsFinite(m) || m <= 0 || m > MaxDistanceM))
        {
            errors.Add(field, Texts.Get("MaxDistance", MaxDistanceM.ToString("0", CultureInfo.InvariantCulture)));
            return null;
        }
        return metres;
    }

    // "2026-11-30T10:00" parses, but against the server's zone: refuse it rather than guess.
    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || System.Text.RegularExpressions.Regex.IsMatch(text, @"[+-]\d{2}:?\d{2}$");
}
