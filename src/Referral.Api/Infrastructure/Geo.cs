using NetTopologySuite;
using NetTopologySuite.Geometries;

namespace Referral.Api.Infrastructure;

/// <summary>One SRID-4326 geometry factory for the whole app. Remember: x = longitude, y = latitude.</summary>
internal static class Geo
{
    public const int Srid = 4326;

    public static readonly GeometryFactory Factory =
        NtsGeometryServices.Instance.CreateGeometryFactory(new PrecisionModel(PrecisionModels.Floating), Srid);

    public static Point Point(double latitude, double longitude) => Factory.CreatePoint(new Coordinate(longitude, latitude));

    public static bool IsValidLatitude(double lat) => double.IsFinite(lat) && lat is >= -90 and <= 90;

    public static bool IsValidLongitude(double lng) => double.IsFinite(lng) && lng is >= -180 and <= 180;
}
