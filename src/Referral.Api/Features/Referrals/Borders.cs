using System.Globalization;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using Referral.Api.Data;
using Referral.Api.Features.Regions;
using Referral.Api.Features.ServiceAtLocations;

namespace Referral.Api.Features.Referrals;

/// <summary>Settings of the nearest search and the referral card (configuration section <c>Referrals</c>).</summary>
internal sealed class ReferralSettings
{
    /// <summary>An option farther than this (km) carries <c>far_away</c> and a note: nobody should be sent thousands of km unawares.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 20_038)]
    public double FarAwayKm { get; set; } = 200;

    /// <summary>A site abroad is "much closer" when at most this share of the distance to the nearest site at home.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 1)]
    public double AbroadMuchCloserRatio { get; set; } = 0.5;

    /// <summary>
    /// Propose nearest candidates from the in-process index (<see cref="NearestIndex"/>) instead of a k-nearest scan in
    /// PostgreSQL (default true; the database still checks every proposed candidate).
    /// </summary>
    public bool InMemoryIndex { get; set; } = true;

    /// <summary>
    /// Load the answers' service and location cards into the index's cache in the background once it is loaded (default
    /// true; <see cref="CardPreloader"/>), instead of on each card's first answer.
    /// </summary>
    public bool PreloadCards { get; set; } = true;
}

internal static class ReferralSettingsSetup
{
    public static IServiceCollection AddReferralSettings(this IServiceCollection services)
    {
        services.AddOptions<ReferralSettings>().BindConfiguration("Referrals").ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}

/// <summary>
/// Borders: a child is referred within its country's system. The origin's country is the country outline (ISO 3166-1
/// alpha-2, level-0 region) its point is in, within the coastal tolerance of <see cref="RegionCodes.CoastalToleranceKm"/>;
/// a site's country is its address's, else the outline its public point is in. Nearest and referral keep to the origin's
/// country by default and say when a site across the border is much nearer; an origin outside every outline is not
/// restricted, and the answer says so.
/// </summary>
internal sealed class Borders(ReferralDbContext db)
{
    /// <summary>The country whose outline covers the point (or lies within the coastal tolerance of it), or null.</summary>
    public Task<string?> CountryAtAsync(Point point, CancellationToken ct) => db.Regions.AsNoTracking()
        .Where(r => r.Level == 0 && r.Code.Length == 2 && r.Geometry != null && r.Geometry.IsWithinDistance(point, RegionCodes.CoastalToleranceKm * 1000))
        .OrderBy(r => r.Geometry!.Distance(point)).ThenBy(r => r.Code)
        .Select(r => r.Code)
        .FirstOrDefaultAsync(ct);

    /// <summary>The country of each location: its address's, else the country outline its public point is in.</summary>
    public async Task<Dictionary<Guid, string>> CountriesAsync(IReadOnlyCollection<Locations.Location> locations, CancellationToken ct)
    {
        var result = new Dictionary<Guid, string>();
        foreach (var l in locations)
        {
            if (l.Addresses.OrderBy(a => a.Id).Select(a => a.Country).FirstOrDefault(c => !string.IsNullOrEmpty(c)) is { } country)
            {
                result[l.Id] = country.ToUpperInvariant();
            }
        }
        var rest = locations.Where(l => !result.ContainsKey(l.Id) && l.PublicPoint is not null).Select(l => l.Id).ToList();
        if (rest.Count > 0)
        {
            var tolerance = RegionCodes.CoastalToleranceKm * 1000;
            var found = await db.Locations.AsNoTracking()
                .Where(l => rest.Contains(l.Id))
                .Select(l => new
                {
                    l.Id,
                    Country = db.Regions
                        .Where(r => r.Level == 0 && r.Code.Length == 2 && r.Geometry != null && r.Geometry.IsWithinDistance(l.PublicPoint!, tolerance))
                        .OrderBy(r => r.Geometry!.Distance(l.PublicPoint!)).ThenBy(r => r.Code)
                        .Select(r => r.Code).FirstOrDefault(),
                })
                .ToListAsync(ct);
            foreach (var f in found.Where(f => f.Country is not null))
            {
                result[f.Id] = f.Country!;
            }
        }
        return result;
    }

    /// <summary>
    /// Service-at-locations in <paramref name="country"/>: an address there, or no address and not inside another
    /// country's outline (a site of unknown country is never dropped for it).
    /// </summary>
    public Expression<Func<ServiceAtLocation, bool>> In(string country) => x =>
        x.Location!.Addresses.Any(a => a.Country == country)
        || (!x.Location.Addresses.Any() && !db.Regions.Any(r =>
            r.Level == 0 && r.Code != country && r.Code.Length == 2 && r.Geometry != null && r.Geometry.Covers(x.Location.PublicPoint!)));

    /// <summary>The complement of <see cref="In"/>: sites known to be in another country.</summary>
    public Expression<Func<ServiceAtLocation, bool>> Abroad(string country) => x =>
        !x.Location!.Addresses.Any(a => a.Country == country)
        && (x.Location.Addresses.Any() || db.Regions.Any(r =>
            r.Level == 0 && r.Code != country && r.Code.Length == 2 && r.Geometry != null && r.Geometry.Covers(x.Location.PublicPoint!)));

    /// <summary>What the caller should know about borders: an origin outside every outline, or a much nearer site abroad.</summary>
    public static string? Note(string? origin, bool sameCountry, NearbyService? nearestHome, NearbyService? nearestAbroad, double ratio)
    {
        if (origin is null)
        {
            return "The point is in no country outline the directory has: results are not limited to one country.";
        }
        if (!sameCountry || nearestAbroad is null)
        {
            return null;
        }
        var abroadCountry = nearestAbroad.Country ?? "another country";
        if (nearestHome is null)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"No site in {origin} matches; one in {abroadCountry} is {Km(nearestAbroad.DistanceM)} away (same_country=false lists sites across the border).");
        }
        return nearestAbroad.DistanceM <= ratio * nearestHome.DistanceM
            ? string.Create(CultureInfo.InvariantCulture,
                $"A site in {abroadCountry} is {Km(nearestAbroad.DistanceM)} away, much nearer than the nearest in {origin} ({Km(nearestHome.DistanceM)}); results keep to {origin} (same_country=false lists sites across the border).")
            : null;
    }

    /// <summary>The note one option carries: across the border, and/or far away.</summary>
    public static string? OptionNote(string? origin, string? country, bool abroad, bool farAway, double distanceM)
    {
        var parts = new List<string>();
        if (abroad)
        {
            parts.Add($"In {country}, across the border from {origin}: a referral there leaves the country's system.");
        }
        if (farAway)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"Far away: {Km(distanceM)} in a straight line; check for a nearer option or a remote channel."));
        }
        return parts.Count == 0 ? null : string.Join(" ", parts);
    }

    internal static string Km(double metres) => metres >= 10_000
        ? (metres / 1000).ToString("N0", CultureInfo.InvariantCulture) + " km"
        : (metres / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " km";
}
