using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Operation.Distance;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Imports;

/// <summary>Where a point lies relative to the country it is declared in.</summary>
internal enum PositionVerdict { Inside, NearBorder, Outside, Unchecked }

/// <summary>The answer of <see cref="CountryOutlines.Check"/>: how far outside (km) and which country the point is in instead.</summary>
internal readonly record struct PositionCheck(PositionVerdict Verdict, double DistanceKm = 0, string? LiesIn = null);

/// <summary>
/// The country outlines (level-0 regions) held in memory as prepared geometries, to check imported points against
/// the country their address declares. Outlines such as Natural Earth's are coarse (a coastal town may lie hundreds of
/// metres "in the sea"), so a point within a tolerance of its country is accepted with a warning, never rejected.
/// </summary>
internal sealed class CountryOutlines
{
    private readonly Dictionary<string, (IndexedFacetDistance Facets, IPreparedGeometry Prepared)> _countries;

    private CountryOutlines(Dictionary<string, (IndexedFacetDistance, IPreparedGeometry)> countries) => _countries = countries;

    public static Task<CountryOutlines> LoadAsync(ReferralDbContext db, CancellationToken ct) => LoadAsync(db, null, ct);

    /// <summary>The outlines of <paramref name="countries"/> only (all when null): the write API needs one or two.</summary>
    public static async Task<CountryOutlines> LoadAsync(ReferralDbContext db, IReadOnlyCollection<string>? countries, CancellationToken ct)
    {
        if (countries is { Count: 0 })
        {
            return new CountryOutlines([]);
        }
        var query = db.Regions.AsNoTracking().Where(r => r.Level == 0 && r.Geometry != null);
        if (countries is not null)
        {
            query = query.Where(r => countries.Contains(r.Code));
        }
        var regions = await query
            .Select(r => new { r.Code, r.Geometry })
            .ToListAsync(ct);
        var factory = new PreparedGeometryFactory();
        return new CountryOutlines(regions
            .Where(r => r.Code.Length == 2)
            .ToDictionary(r => r.Code.ToUpperInvariant(), r => (new IndexedFacetDistance(r.Geometry!), factory.Create(r.Geometry!)), StringComparer.Ordinal));
    }

    public bool Has(string country) => _countries.ContainsKey(country);

    /// <summary>Inside; near (within <paramref name="toleranceKm"/>: accepted with a warning); outside (rejected).</summary>
    public PositionCheck Check(string country, double latitude, double longitude, double toleranceKm)
    {
        if (!_countries.TryGetValue(country, out var outline))
        {
            return new PositionCheck(PositionVerdict.Unchecked);
        }
        var point = Geo.Point(latitude, longitude);
        if (outline.Prepared.Covers(point))
        {
            return new PositionCheck(PositionVerdict.Inside);
        }
        var km = DistanceKm(outline.Facets, point);
        var liesIn = CountryAt(point, except: country);
        return new PositionCheck(km <= toleranceKm ? PositionVerdict.NearBorder : PositionVerdict.Outside, km, liesIn);
    }

    /// <summary>True when the point is inside (or within the tolerance of) the country.</summary>
    public bool Near(string country, double latitude, double longitude, double toleranceKm) =>
        Check(country, latitude, longitude, toleranceKm).Verdict is PositionVerdict.Inside or PositionVerdict.NearBorder;

    private string? CountryAt(Point point, string except) =>
        _countries.Where(c => c.Key != except && c.Value.Prepared.Covers(point)).Select(c => c.Key).FirstOrDefault();

    /// <summary>Metres on the sphere from the point to the nearest point of the outline (short distances only matter here).</summary>
    private static double DistanceKm(IndexedFacetDistance outline, Point point)
    {
        var nearest = outline.NearestPoints(point);
        return Haversine(nearest[0].Y, nearest[0].X, point.Y, point.X) / 1000;
    }

    internal static double Haversine(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6_371_008.8;
        var dLat = double.DegreesToRadians(lat2 - lat1);
        var dLon = double.DegreesToRadians(lon2 - lon1);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) +
                Math.Cos(double.DegreesToRadians(lat1)) * Math.Cos(double.DegreesToRadians(lat2)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
