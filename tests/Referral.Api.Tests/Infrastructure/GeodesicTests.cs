namespace Referral.Api.Tests.Infrastructure;

public sealed class GeodesicTests
{
    [Theory]
    // 0.01° of latitude at the equator and one degree of longitude on it: textbook WGS 84 values.
    [InlineData(0, 0, 0.01, 0, 1105.74, 0.01)]
    [InlineData(0, 0, 0, 1, 111319.49, 0.01)]
    // Flinders Peak → Buninyong, Vincenty's (1975) own test line.
    [InlineData(-37.95103341666667, 144.42486788888888, -37.65282113888889, 143.92649552777777, 54972.271, 0.001)]
    public void DistanceM_MatchesReferenceValues(double lat1, double lng1, double lat2, double lng2, double expected, double tolerance)
    {
        Assert.Equal(expected, Geodesic.DistanceM(lat1, lng1, lat2, lng2), tolerance);
    }
}
