namespace Referral.Api.Tests.Infrastructure;

/// <summary>
/// Vincenty's inverse formula on the WGS 84 ellipsoid: an independent check of PostGIS geography distances
/// (accurate to well under a millimetre for the non-antipodal points tests use).
/// </summary>
public static class Geodesic
{
    private const double A = 6378137.0;
    private const double F = 1 / 298.257223563;
    private const double B = A * (1 - F);

    public static double DistanceM(double lat1, double lng1, double lat2, double lng2)
    {
        var l = ToRad(lng2 - lng1);
        var u1 = Math.Atan((1 - F) * Math.Tan(ToRad(lat1)));
        var u2 = Math.Atan((1 - F) * Math.Tan(ToRad(lat2)));
        double sinU1 = Math.Sin(u1), cosU1 = Math.Cos(u1), sinU2 = Math.Sin(u2), cosU2 = Math.Cos(u2);
        double lambda = l, previous, sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM;
        var iterations = 0;
        do
        {
            var sinLambda = Math.Sin(lambda);
            var cosLambda = Math.Cos(lambda);
            sinSigma = Math.Sqrt(Math.Pow(cosU2 * sinLambda, 2) + Math.Pow((cosU1 * sinU2) - (sinU1 * cosU2 * cosLambda), 2));
            if (sinSigma == 0)
            {
                return 0;
            }
            cosSigma = (sinU1 * sinU2) + (cosU1 * cosU2 * cosLambda);
            sigma = Math.Atan2(sinSigma, cosSigma);
            var sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
            cosSqAlpha = 1 - (sinAlpha * sinAlpha);
            cos2SigmaM = cosSqAlpha == 0 ? 0 : cosSigma - (2 * sinU1 * sinU2 / cosSqAlpha);
            var c = F / 16 * cosSqAlpha * (4 + (F * (4 - (3 * cosSqAlpha))));
            previous = lambda;
            lambda = l + ((1 - c) * F * sinAlpha * (sigma + (c * sinSigma * (cos2SigmaM + (c * cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM)))))));
        }
        while (Math.Abs(lambda - previous) > 1e-12 && ++iterations < 200);
        var uSq = cosSqAlpha * ((A * A) - (B * B)) / (B * B);
        var bigA = 1 + (uSq / 16384 * (4096 + (uSq * (-768 + (uSq * (320 - (175 * uSq)))))));
        var bigB = uSq / 1024 * (256 + (uSq * (-128 + (uSq * (74 - (47 * uSq))))));
        var deltaSigma = bigB * sinSigma * (cos2SigmaM + (bigB / 4 * ((cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM)))
            - (bigB / 6 * cos2SigmaM * (-3 + (4 * sinSigma * sinSigma)) * (-3 + (4 * cos2SigmaM * cos2SigmaM))))));
        return B * bigA * (sigma - deltaSigma);
    }

    /// <summary>A point <paramref name="metres"/> from (lat, lng) on a bearing (degrees), found by bisection on the ellipsoid.</summary>
    public static (double Lat, double Lng) At(double lat, double lng, double bearing, double metres)
    {
        var (dy, dx) = (Math.Cos(ToRad(bearing)), Math.Sin(ToRad(bearing)) / Math.Cos(ToRad(lat)));
        double lo = 0, hi = metres / 50_000;
        for (var i = 0; i < 200; i++)
        {
            var mid = (lo + hi) / 2;
            if (DistanceM(lat, lng, lat + (mid * dy), lng + (mid * dx)) < metres)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        return (lat + (lo * dy), lng + (lo * dx));
    }

    private static double ToRad(double degrees) => degrees * Math.PI / 180;
}
