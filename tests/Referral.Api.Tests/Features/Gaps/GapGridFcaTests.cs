using Referral.Api.Features.Gaps;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// The in-memory grid 2SFCA against a brute-force computation (every supply unit against every demand unit, no index):
/// the row index must find exactly the pairs within the catchment, at the equator and far from it, for each decay.
/// </summary>
public sealed class GapGridFcaTests
{
    [Theory]
    [InlineData(9.9, -84.1, "none")]
    [InlineData(9.9, -84.1, "gaussian")]
    [InlineData(-33.4, -70.6, "e2sfca")]
    [InlineData(64.1, -21.9, "none")]
    public void Compute_MatchesBruteForce(double lat0, double lng0, string decay)
    {
        var random = new Random(20261129);
        const double CellDegrees = 1 / 111.32; // 1 km
        const double CatchmentM = 30_000;
        var demand = GridCells(random, lat0, lng0, 1500, CellDegrees);
        var supply = Enumerable.Range(0, 400)
            .Select(_ => new GapSupplyCell(lat0 + Spread(random, 0.6), lng0 + Spread(random, 0.6), [random.Next(0, 3), random.Next(1, 4)]))
            .ToList();

        var access = GapGridFca.Compute(demand, supply, 2, CellDegrees, CatchmentM, decay);
        var expected = BruteForce(demand, supply, 2, CatchmentM, decay);

        var compared = 0;
        for (var i = 0; i < demand.Count; i++)
        {
            for (var c = 0; c < 2; c++)
            {
                Assert.Equal(expected[i][c], access[i][c], 1e-12);
                compared += expected[i][c] > 0 ? 1 : 0;
            }
        }
        // The data must exercise the computation: most units have some access, some (at the fringe) none.
        Assert.InRange(compared, demand.Count / 2, (2 * demand.Count) - 1);
    }

    [Fact]
    public void Compute_TwoSitesAndThreeTowns_AsWorkedOutByHand()
    {
        // On the equator, 0.1° of longitude is 11,119.5 m on the 6,371,008.8 m sphere: towns at 0.1°, 0.2° and 0.4° east of
        // site S1 (capacity 2) and S2 at 0.5° (capacity 1). Catchment 30 km: S1 reaches A (11.1 km) and B (22.2 km), not
        // C (44.5 km); S2 reaches only C (11.1 km): B is 0.3° = 33.4 km away.
        var cell = 0.01;
        var demand = new List<GapDemandCell>
        {
            new(1, 0, 0.1, 100),
            new(2, 0, 0.2, 300),
            new(3, 0, 0.4, 50),
        };
        var supply = new List<GapSupplyCell> { new(0, 0, [2]), new(0, 0.5, [1]) };

        var access = GapGridFca.Compute(demand, supply, 1, cell, 30_000, "none");

        // R_S1 = 2 / (100 + 300) = 0.005; R_S2 = 1 / 50 = 0.02.
        Assert.Equal(0.005, access[0][0], 12);
        Assert.Equal(0.005, access[1][0], 12);
        Assert.Equal(0.02, access[2][0], 12);
        Assert.Equal(11_119.5, GapGridFca.Distance(0, 0, 0, 0.1), 0.1);
    }

    [Theory]
    [InlineData(60, 0, 60, 0.1)]
    [InlineData(-33.4, -70.6, -33.5, -70.4)]
    [InlineData(9.9, -84.1, 10.1, -84.0)]
    public void Distance_WithinACatchment_IsTheGreatCircleOnTheSameSphere(double lat1, double lng1, double lat2, double lng2)
    {
        // Haversine on the 6,371,008.8 m sphere, independently: within 30 km the two agree to far better than a cell.
        static double Rad(double deg) => deg * Math.PI / 180;
        var h = Math.Pow(Math.Sin(Rad(lat2 - lat1) / 2), 2) + (Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(Rad(lng2 - lng1) / 2), 2));
        var haversine = 2 * 6_371_008.8 * Math.Asin(Math.Sqrt(h));

        Assert.Equal(haversine, GapGridFca.Distance(lat1, lng1, lat2, lng2), 1.0);
    }

    [Fact]
    public void Compute_NearAPole_FindsEveryCellInReach()
    {
        // 388 m apart at 89.99° N although 20° of longitude apart: a box in degrees would have to span every column.
        var demand = new List<GapDemandCell> { new(1, 89.99, 20, 10) };
        var supply = new List<GapSupplyCell> { new(89.99, 0, [1]) };

        var access = GapGridFca.Compute(demand, supply, 1, 0.001, 1_000, "none");

        Assert.Equal(0.1, access[0][0], 12);
    }

    [Fact]
    public void Compute_NoPopulationInReach_GivesTheSiteNoRatio()
    {
        var demand = new List<GapDemandCell> { new(1, 0, 0, 0), new(2, 0, 1, 10) };
        var supply = new List<GapSupplyCell> { new(0, 0.01, [5]) };

        var access = GapGridFca.Compute(demand, supply, 1, 0.01, 30_000, "none");

        Assert.Equal(0, access[0][0]);
        Assert.Equal(0, access[1][0]);
    }

    private static double Spread(Random random, double degrees) => (random.NextDouble() - 0.5) * 2 * degrees;

    /// <summary>Distinct 1 km cells around the centre, each at a random point inside it (its weighted centre).</summary>
    private static List<GapDemandCell> GridCells(Random random, double lat0, double lng0, int count, double cell)
    {
        var cells = new Dictionary<long, GapDemandCell>();
        while (cells.Count < count)
        {
            var lat = lat0 + Spread(random, 1);
            var lng = lng0 + Spread(random, 1);
            var (row, col) = ((long)Math.Floor(lat / cell), (long)Math.Floor(lng / cell));
            var id = ((col + 1048576) * 2097152) + row + 1048576;
            cells.TryAdd(id, new GapDemandCell(id, lat, lng, random.Next(0, 5000)));
        }
        return [.. cells.Values];
    }

    private static double[][] BruteForce(List<GapDemandCell> demand, List<GapSupplyCell> supply, int k, double r, string decay)
    {
        double W(double d) => decay switch
        {
            "gaussian" => (Math.Exp(-0.5 * Math.Pow(d / r, 2)) - Math.Exp(-0.5)) / (1 - Math.Exp(-0.5)),
            "e2sfca" => d <= r / 3 ? 1 : d <= 2 * r / 3 ? 0.68 : 0.22,
            _ => 1,
        };
        var access = demand.Select(_ => new double[k]).ToArray();
        foreach (var s in supply)
        {
            var reach = demand.Select((d, i) => (i, dist: GapGridFca.Distance(s.Lat, s.Lng, d.Lat, d.Lng))).Where(x => x.dist <= r).ToList();
            var denominator = reach.Sum(x => demand[x.i].Weight * W(x.dist));
            if (denominator <= 0)
            {
                continue;
            }
            foreach (var (i, dist) in reach)
            {
                for (var c = 0; c < k; c++)
                {
                    access[i][c] += s.Capacity[c] / denominator * W(dist);
                }
            }
        }
        return access;
    }
}
