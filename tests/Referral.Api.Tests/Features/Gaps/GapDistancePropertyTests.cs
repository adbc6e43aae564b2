using System.Globalization;
using System.Text;
using Npgsql;
using Referral.Api.Tests.Infrastructure;
using static Referral.Api.Tests.Features.Gaps.GapWorld;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// Property: on random data, each settlement's distance equals a brute-force minimum of Vincenty distances (an
/// independent ellipsoidal computation) over every site as the public sees it — exact metres from a public site, 500 m
/// steps from an approximate site's generalised point, hidden sites not at all.
/// </summary>
public sealed class GapDistancePropertyTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private async Task<List<(double Lat, double Lng, bool Approximate)>> PublicSitesAsync()
    {
        await using var conn = await Factory.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT ST_Y(public_point::geometry), ST_X(public_point::geometry), visibility = 'approximate' FROM location WHERE public_point IS NOT NULL", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var sites = new List<(double, double, bool)>();
        while (await reader.ReadAsync())
        {
            sites.Add((reader.GetDouble(0), reader.GetDouble(1), reader.GetBoolean(2)));
        }
        return sites;
    }

    private static double BruteForce(double lat, double lng, List<(double Lat, double Lng, bool Approximate)> sites) => sites
        .Select(s =>
        {
            var d = Geodesic.DistanceM(lat, lng, s.Lat, s.Lng);
            return s.Approximate ? Math.Max(500, Math.Round(d / 500) * 500) : d;
        })
        .Min();

    [Theory]
    [InlineData(11)]
    [InlineData(29)]
    [InlineData(2026)]
    public async Task Distances_OnRandomData_AgreeWithBruteForceGeodesics(int seed)
    {
        var random = new Random(seed);
        var org = await TestData.CreateOrganizationAsync(Client);
        for (var i = 0; i < 24; i++)
        {
            var visibility = random.NextDouble() switch { < 0.15 => "approximate", < 0.25 => "hidden", _ => "public" };
            await ServiceAsync(Client, org, $"Site {i}", "police", null, visibility, lat: 9 + (random.NextDouble() * 1.5), lng: -85 + (random.NextDouble() * 1.5));
        }
        var csv = new StringBuilder("name,lat,lng,population\n");
        var settlements = new List<(string Name, double Lat, double Lng)>();
        for (var i = 0; i < 80; i++)
        {
            var (lat, lng) = (8.5 + (random.NextDouble() * 2.5), -85.5 + (random.NextDouble() * 2.5));
            settlements.Add(($"S{i}", lat, lng));
            csv.Append(CultureInfo.InvariantCulture, $"S{i},{F(lat)},{F(lng)},{random.Next(0, 100_000)}\n");
        }
        await ImportCsvAsync(Client, $"random {seed}", csv.ToString());

        var analysis = await AnalyseAsync(Client, new { dataset = $"random {seed}", categories = new[] { "police" } });
        var points = await PointsAsync(Client, analysis);
        var sites = await PublicSitesAsync();

        Assert.InRange(sites.Count, 15, 24);
        foreach (var (name, lat, lng) in settlements)
        {
            var expected = BruteForce(lat, lng, sites);
            Assert.True(Math.Abs(expected - points[name].GetProperty("police_distance_m").GetDouble()) <= 0.15,
                $"{name}: brute force {expected:0.000} m, analysis {points[name].GetProperty("police_distance_m").GetDouble()} m");
        }
    }

    [Fact]
    public async Task Distances_ManySitesAlmostEquallyFar_TheEllipsoidDecides_NotTheSphere()
    {
        // Eight sites 10 000 m … 10 035 m away in different directions: the index orders them on a sphere (north–south and
        // east–west distances differ by up to 0.5 % from the ellipsoid), so more candidates than it fetches are in play.
        var org = await TestData.CreateOrganizationAsync(Client);
        var (lat0, lng0) = (9.8, -84.2);
        for (var i = 0; i < 8; i++)
        {
            var (lat, lng) = Geodesic.At(lat0, lng0, 90 - (i * 12), 10_035 - (i * 5));
            await ServiceAsync(Client, org, $"Ring {i}", "police", null, lat: lat, lng: lng);
        }
        await ImportCsvAsync(Client, "centre", $"name,lat,lng,population\nCentre,{F(lat0)},{F(lng0)},100\n");

        var analysis = await AnalyseAsync(Client, new { dataset = "centre", categories = new[] { "police" } });
        var points = await PointsAsync(Client, analysis);

        // The nearest on the ellipsoid is the last one (10 000 m, bearing 6°), the farthest east–west on the sphere.
        Assert.Equal(10_000, points["Centre"].GetProperty("police_distance_m").GetDouble(), 0.15);
    }
}
