using NetTopologySuite.Geometries;

namespace Referral.Api.Infrastructure;

/// <summary>
/// DESIGN.md "Confidentiality": an <c>approximate</c> location is shown to the public at the centre of a coarse grid
/// cell (0.05°, about 5.5 km north–south) and without a street address; a <c>hidden</c> one is never shown at all.
/// </summary>
internal static class Confidentiality
{
    public const double GridDegrees = 0.05;

    public const string Public = "public";
    public const string Approximate = "approximate";
    public const string Hidden = "hidden";

    public static (double Latitude, double Longitude) Generalise(Point point) => (Snap(point.Y), Snap(point.X));

    private static double Snap(double value) =>
        Math.Round((Math.Floor(value / GridDegrees) * GridDegrees) + (GridDegrees / 2), 6);
}
