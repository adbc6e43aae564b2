namespace Referral.Api.Infrastructure;

/// <summary>
/// DESIGN.md "Confidentiality": an <c>approximate</c> location is shown to the public at the centre of a coarse grid
/// cell (0.05°, about 5.5 km north–south; never within 1.5 km of the site) and without a street address; a
/// <c>hidden</c> one is never shown at all. The rule itself is the stored column <c>location.public_point</c>
/// (LocationConfiguration), so every output uses the same point.
/// </summary>
internal static class Confidentiality
{
    public const double GridDegrees = 0.05;

    public const string Public = "public";
    public const string Approximate = "approximate";
    public const string Hidden = "hidden";
}
