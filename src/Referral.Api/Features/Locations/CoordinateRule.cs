using System.Globalization;
using Referral.Api.Features.Imports;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Locations;

/// <summary>What <see cref="CoordinateRule.Check"/> found about a location's position.</summary>
internal enum CoordinateFinding
{
    /// <summary>Nothing to say (inside the declared country, or no country/outline to check against).</summary>
    None,

    /// <summary>(0, 0): almost always a missing value written as zeros. Refused.</summary>
    NullIsland,

    /// <summary>Out of range as given, in range (and in the declared country, when known) read the other way round. Refused.</summary>
    SwappedOutOfRange,

    /// <summary>Outside the declared country as given, inside it read the other way round. Refused.</summary>
    Swapped,

    /// <summary>Just outside the declared country's (coarse) outline: accepted with a warning by the import.</summary>
    NearBorder,

    /// <summary>Far outside the declared country: the import refuses it; the write API does not check it (see README).</summary>
    OutsideCountry,
}

/// <summary>The finding, its message (the same words in the write API's field errors and the import's report) and details.</summary>
internal readonly record struct CoordinateCheck(CoordinateFinding Finding, string? Message = null)
{
    /// <summary>True for the findings both the write API and the import refuse.</summary>
    public bool Refused => Finding is CoordinateFinding.NullIsland or CoordinateFinding.Swapped or CoordinateFinding.SwappedOutOfRange;
}

/// <summary>
/// The one coordinate rule of the directory (issue 11 item 12), used by the write API (REST and GraphQL, through
/// <see cref="Services.ServiceWriter"/>) and the import (<see cref="ImportValidator"/>): (0, 0) is refused, and so is a
/// position whose latitude and longitude are detectably swapped — out of range as given but valid read the other way
/// round, or outside the country of the location's address but inside it read the other way round. Detecting the second
/// kind needs the country's outline (a level-0 region); without one only the first kind can be seen.
/// </summary>
internal static class CoordinateRule
{
    /// <summary>How far (km) outside a country's outline a point still counts as in it: outlines are coarse at coasts.</summary>
    public const double DefaultToleranceKm = 5;

    public static bool IsNullIsland(double latitude, double longitude) => Math.Abs(latitude) < 1e-9 && Math.Abs(longitude) < 1e-9;

    /// <summary>
    /// Checks a position given as (<paramref name="latitude"/>, <paramref name="longitude"/>) for a location whose address
    /// declares <paramref name="country"/> (ISO 3166-1 alpha-2, or null), against <paramref name="outlines"/> (null: none).
    /// Out-of-range values that are not a swap give <see cref="CoordinateFinding.None"/>: the range rule reports them.
    /// </summary>
    public static CoordinateCheck Check(double latitude, double longitude, string? country, CountryOutlines? outlines, double toleranceKm = DefaultToleranceKm)
    {
        country = country?.ToUpperInvariant();
        var known = country is not null && outlines is not null && outlines.Has(country);
        if (!Geo.IsValidLatitude(latitude) || !Geo.IsValidLongitude(longitude))
        {
            var swappedIsValid = Geo.IsValidLatitude(longitude) && Geo.IsValidLongitude(latitude)
                && (!known || outlines!.Near(country!, longitude, latitude, toleranceKm));
            return swappedIsValid
                ? new CoordinateCheck(CoordinateFinding.SwappedOutOfRange, "latitude and longitude look swapped")
                : new CoordinateCheck(CoordinateFinding.None);
        }
        if (IsNullIsland(latitude, longitude))
        {
            return new CoordinateCheck(CoordinateFinding.NullIsland, "(0, 0) is not a real position here; it is almost always a missing value.");
        }
        if (!known)
        {
            return new CoordinateCheck(CoordinateFinding.None);
        }
        var check = outlines!.Check(country!, latitude, longitude, toleranceKm);
        var liesIn = check.LiesIn is { } other ? $"; it lies in {other}" : "";
        return check.Verdict switch
        {
            PositionVerdict.NearBorder => new CoordinateCheck(CoordinateFinding.NearBorder, string.Create(CultureInfo.InvariantCulture,
                $"the position is {check.DistanceKm:0.0} km outside the outline of {country}{liesIn}; accepted (coasts and borders of the outline are coarse), but check it.")),
            PositionVerdict.Outside when outlines.Near(country!, longitude, latitude, toleranceKm) && Geo.IsValidLatitude(longitude) =>
                new CoordinateCheck(CoordinateFinding.Swapped, string.Create(CultureInfo.InvariantCulture,
                    $"latitude and longitude look swapped: ({latitude}, {longitude}) is outside {country}, but ({longitude}, {latitude}) is inside.")),
            PositionVerdict.Outside => new CoordinateCheck(CoordinateFinding.OutsideCountry, string.Create(CultureInfo.InvariantCulture,
                $"the position is {check.DistanceKm:0.#} km outside {country}, the country of its address{liesIn}.")),
            _ => new CoordinateCheck(CoordinateFinding.None),
        };
    }
}
