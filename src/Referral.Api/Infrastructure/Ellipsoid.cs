namespace Referral.Api.Infrastructure;

/// <summary>
/// Distances on the WGS 84 ellipsoid in C#, as PostGIS measures geography (<c>ST_Distance</c>, <c>ST_DWithin</c>):
/// Vincenty's inverse solution, iterated to 1e-12 rad, which agrees with PostGIS (Karney's algorithm) to well under a
/// millimetre wherever it converges. Nearly antipodal points, where it may not, give NaN: callers then ask the database.
/// </summary>
internal static class Ellipsoid
{
    private const double SemiMajor = 6_378_137.0;
    private const double Flattening = 1 / 298.257223563;
    private const double SemiMinor = SemiMajor * (1 - Flattening);
    private const double Radians = Math.PI / 180;

    /// <summary>Metres between two points given in degrees; NaN when the iteration does not converge.</summary>
    public static double DistanceM(double lat1, double lng1, double lat2, double lng2)
    {
        if (lat1 == lat2 && lng1 == lng2)
        {
            return 0;
        }
        var tanU1 = (1 - Flattening) * Math.Tan(lat1 * Radians);
        var tanU2 = (1 - Flattening) * Math.Tan(lat2 * Radians);
        var cosU1 = 1 / Math.Sqrt(1 + (tanU1 * tanU1));
        var sinU1 = tanU1 * cosU1;
        var cosU2 = 1 / Math.Sqrt(1 + (tanU2 * tanU2));
        var sinU2 = tanU2 * cosU2;
        var omega = Math.IEEERemainder(lng2 - lng1, 360) * Radians; // the shorter way round, across the antimeridian too
        var lambda = omega;
        double sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM;
        for (var iteration = 0; ; iteration++)
        {
            if (iteration == 1000)
            {
                return double.NaN;
            }
            var sinLambda = Math.Sin(lambda);
            var cosLambda = Math.Cos(lambda);
            var p = cosU2 * sinLambda;
            var q = (cosU1 * sinU2) - (sinU1 * cosU2 * cosLambda);
            sinSigma = Math.Sqrt((p * p) + (q * q));
            if (sinSigma == 0)
            {
                return 0;
            }
            cosSigma = (sinU1 * sinU2) + (cosU1 * cosU2 * cosLambda);
            sigma = Math.Atan2(sinSigma, cosSigma);
            var sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
            cos2Alpha = 1 - (sinAlpha * sinAlpha);
            // On the equator (cos²α = 0) the term vanishes.
            cos2SigmaM = cos2Alpha != 0 ? cosSigma - (2 * sinU1 * sinU2 / cos2Alpha) : 0;
            var c = Flattening / 16 * cos2Alpha * (4 + (Flattening * (4 - (3 * cos2Alpha))));
            var next = omega + ((1 - c) * Flattening * sinAlpha
                * (sigma + (c * sinSigma * (cos2SigmaM + (c * cosSigma * ((2 * cos2SigmaM * cos2SigmaM) - 1))))));
            if (Math.Abs(next - lambda) <= 1e-12)
            {
                lambda = next;
                break;
            }
            if (Math.Abs(next) > Math.PI)
            {
                return double.NaN;
            }
            lambda = next;
        }
        // Recompute σ and friends at the converged λ.
        {
            var sinLambda = Math.Sin(lambda);
            var cosLambda = Math.Cos(lambda);
            var p = cosU2 * sinLambda;
            var q = (cosU1 * sinU2) - (sinU1 * cosU2 * cosLambda);
            sinSigma = Math.Sqrt((p * p) + (q * q));
            cosSigma = (sinU1 * sinU2) + (cosU1 * cosU2 * cosLambda);
            sigma = Math.Atan2(sinSigma, cosSigma);
            var sinAlpha = sinSigma == 0 ? 0 : cosU1 * cosU2 * sinLambda / sinSigma;
            cos2Alpha = 1 - (sinAlpha * sinAlpha);
            cos2SigmaM = cos2Alpha != 0 ? cosSigma - (2 * sinU1 * sinU2 / cos2Alpha) : 0;
        }
        var u2 = cos2Alpha * ((SemiMajor * SemiMajor) - (SemiMinor * SemiMinor)) / (SemiMinor * SemiMinor);
        var a = 1 + (u2 / 16384 * (4096 + (u2 * (-768 + (u2 * (320 - (175 * u2)))))));
        var b = u2 / 1024 * (256 + (u2 * (-128 + (u2 * (74 - (47 * u2))))));
        var c2 = cos2SigmaM * cos2SigmaM;
        var deltaSigma = b * sinSigma * (cos2SigmaM + (b / 4 * ((cosSigma * ((2 * c2) - 1))
            - (b / 6 * cos2SigmaM * ((4 * sinSigma * sinSigma) - 3) * ((4 * c2) - 3)))));
        return SemiMinor * a * (sigma - deltaSigma);
    }
}
