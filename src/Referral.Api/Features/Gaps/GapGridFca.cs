namespace Referral.Api.Features.Gaps;

/// <summary>A 2SFCA demand unit of the grid mode: a grid cell at its population-weighted centre.</summary>
internal readonly record struct GapDemandCell(long Cell, double Lat, double Lng, double Weight);

/// <summary>A 2SFCA supply unit of the grid mode: the sites of one grid cell at their weighted centre, one capacity per category.</summary>
internal sealed record GapSupplyCell(double Lat, double Lng, int[] Capacity);

/// <summary>
/// The grid mode of the two-step floating catchment, in memory. Demand and supply are already summed into cells (a few
/// tens of thousands each for a country at 1 km), so the cost is the (supply, demand) pairs within the catchment — about
/// 15 million for 100,000 services in Costa Rica at 30 km. Found through a row-bucketed index of the demand cells and
/// measured with the same equirectangular formula the SQL of the exact mode documents, they take about a second here,
/// where the same pairs as a set-based join took twenty seconds of database time.
/// <para>
/// Step 1, each supply unit j: R_j,c = S_j,c / D_j with D_j = Σ_{k: d_kj ≤ d0} P_k·W(d_kj) (the same for every category);
/// step 2, each demand unit i: A_i,c = Σ_{j: d_ij ≤ d0} R_j,c·W(d_ij). A supply unit with no population in reach has no R_j.
/// Cells are not paired across the antimeridian (longitudes are not wrapped); the exact mode, on geography, does that.
/// </para>
/// </summary>
internal static class GapGridFca
{
    /// <summary>Mean Earth radius (IUGG), as in the SQL of the exact mode.</summary>
    internal const double EarthRadiusM = 6371008.8;

    private const double Radians = Math.PI / 180;

    /// <summary>
    /// Accessibility per demand unit (same order as <paramref name="demand"/>) and category. <paramref name="cellDegrees"/>
    /// is the grid the demand cells were built on (their ids hold the cell's column and row); <paramref name="decay"/> is
    /// the analysis's weighting: <c>none</c>, <c>gaussian</c> or <c>e2sfca</c>.
    /// </summary>
    public static double[][] Compute(
        IReadOnlyList<GapDemandCell> demand, IReadOnlyList<GapSupplyCell> supply, int categories, double cellDegrees,
        double catchmentM, string decay, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cellDegrees);
        var access = new double[demand.Count][];
        for (var i = 0; i < access.Length; i++)
        {
            access[i] = new double[categories];
        }
        if (demand.Count == 0 || supply.Count == 0 || !(catchmentM > 0))
        {
            return access;
        }
        var index = new RowIndex(demand, cellDegrees);
        Func<double, double> weight = decay switch
        {
            // Dai (2010) Gaussian: 1 at the site, 0 at the catchment edge.
            "gaussian" => d => (Math.Exp(-0.5 * Math.Pow(d / catchmentM, 2)) - Math.Exp(-0.5)) / (1 - Math.Exp(-0.5)),
            // Luo & Qi (2009) E2SFCA: three equal rings weighted 1, 0.68, 0.22.
            "e2sfca" => d => d <= catchmentM / 3 ? 1.0 : d <= 2 * catchmentM / 3 ? 0.68 : 0.22,
            _ => static _ => 1.0,
        };
        var ratio = new double[categories];
        for (var j = 0; j < supply.Count; j++)
        {
            if ((j & 1023) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }
            var s = supply[j];
            // Step 1: the population in reach of this unit.
            var denominator = 0.0;
            index.ForEachWithin(s.Lat, s.Lng, catchmentM, (i, d) => denominator += demand[i].Weight * weight(d));
            if (!(denominator > 0))
            {
                continue;
            }
            for (var c = 0; c < categories; c++)
            {
                ratio[c] = s.Capacity[c] / denominator;
            }
            // Step 2: its ratio, weighted, to every demand unit in reach.
            index.ForEachWithin(s.Lat, s.Lng, catchmentM, (i, d) =>
            {
                var w = weight(d);
                var a = access[i];
                for (var c = 0; c < a.Length; c++)
                {
                    a[c] += ratio[c] * w;
                }
            });
        }
        return access;
    }

    /// <summary>
    /// Great-circle distance approximated on the sphere by the equirectangular formula
    /// d = R·√(Δφ² + (cos φ̄·Δλ)²): within a catchment it differs from the great circle by far less than the cell size.
    /// </summary>
    internal static double Distance(double lat1, double lng1, double lat2, double lng2)
    {
        var dPhi = (lat2 - lat1) * Radians;
        var dLambda = Math.Cos((lat1 + lat2) / 2 * Radians) * ((lng2 - lng1) * Radians);
        return EarthRadiusM * Math.Sqrt(dPhi * dPhi + dLambda * dLambda);
    }

    /// <summary>
    /// The demand units bucketed by grid row, each row sorted by column: a disk search visits the rows it spans and, in
    /// each, the run of columns its bounding box spans (two binary searches), then measures only those units.
    /// </summary>
    private sealed class RowIndex
    {
        private readonly IReadOnlyList<GapDemandCell> _demand;
        private readonly double _cell;
        private readonly Dictionary<long, (long[] Columns, int[] Units)> _rows = [];

        public RowIndex(IReadOnlyList<GapDemandCell> demand, double cellDegrees)
        {
            _demand = demand;
            _cell = cellDegrees;
            foreach (var group in Enumerable.Range(0, demand.Count).GroupBy(i => Row(demand[i])))
            {
                var units = group.OrderBy(i => Column(demand[i])).ToArray();
                _rows[group.Key] = (units.Select(i => Column(demand[i])).ToArray(), units);
            }
        }

        // A unit's row and column are those of the cell it was summed into (its weighted centre lies inside that cell).
        private long Row(GapDemandCell d) => (long)Math.Floor(d.Lat / _cell);

        private long Column(GapDemandCell d) => (long)Math.Floor(d.Lng / _cell);

        public void ForEachWithin(double lat, double lng, double radiusM, Action<int, double> visit)
        {
            // A box a little larger than the disk: 1° of latitude is at least 110,574 m on the ellipsoid and more than
            // that on the sphere; a degree of longitude shrinks with the cosine of the box's highest latitude.
            var dLat = radiusM / 110574.0 * 1.01;
            var (rowLo, rowHi) = ((long)Math.Floor((lat - dLat) / _cell), (long)Math.Floor((lat + dLat) / _cell));
            var (colLo, colHi) = (long.MinValue, long.MaxValue);
            if (Math.Abs(lat) + dLat < 89.9)
            {
                // (Near a pole every column is in reach.)
                var dLng = radiusM / (111320 * Math.Cos((Math.Abs(lat) + dLat) * Radians)) * 1.01;
                (colLo, colHi) = ((long)Math.Floor((lng - dLng) / _cell), (long)Math.Floor((lng + dLng) / _cell));
            }
            for (var row = rowLo; row <= rowHi; row++)
            {
                if (!_rows.TryGetValue(row, out var r))
                {
                    continue;
                }
                var start = LowerBound(r.Columns, colLo);
                for (var p = start; p < r.Columns.Length && r.Columns[p] <= colHi; p++)
                {
                    var i = r.Units[p];
                    var d = Distance(lat, lng, _demand[i].Lat, _demand[i].Lng);
                    if (d <= radiusM)
                    {
                        visit(i, d);
                    }
                }
            }
        }

        private static int LowerBound(long[] values, long value)
        {
            var (lo, hi) = (0, values.Length);
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (values[mid] < value)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            return lo;
        }
    }
}
