using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Referral.Api.Features.Gaps;

/// <summary>Services of one category counted at a settlement (its nearest), for "services per 100,000 people".</summary>
internal sealed record GapAllocation(int Category, long Seq, int Services);

/// <summary>
/// One database connection of an analysis, with its own compact copies of the inputs as temporary tables: per category
/// the in-person sites (<c>gap_site_k</c>, GiST-indexed) and the service areas (<c>gap_area_k</c>), and the region
/// hierarchy (<c>gap_region</c>). A KNN search in a small per-category index needs no filter, so it stops at the first
/// candidates instead of walking past every service of other categories (the cost of the bare SQL join).
/// Several sessions run in parallel on ranges of the dataset's rows.
/// </summary>
internal sealed class GapSession : IAsyncDisposable
{
    /// <summary>KNN candidates fetched per settlement before the exact re-rank.</summary>
    internal const int Candidates = 4;

    /// <summary>
    /// <c>&lt;-&gt;</c> on geography measures on a sphere; the ellipsoid differs by -0.17 % to +0.56 %, so a site can be nearer on
    /// the ellipsoid than the sphere's nearest only if its sphere distance is within this factor of it.
    /// </summary>
    internal const double SphereSlack = 1.008;

    /// <summary>Approximate sites are rounded to 500 m for the public, which can move them up to 250 m nearer.</summary>
    internal const double ApproximateSlackM = 260;

    private readonly NpgsqlConnection _connection;
    private readonly GapPlan _plan;
    private readonly double[] _marginM;
    private bool _cells;
    private bool _supply;

    private GapSession(NpgsqlConnection connection, GapPlan plan)
    {
        _connection = connection;
        _plan = plan;
        _marginM = new double[plan.Categories.Count];
    }

    public static async Task<GapSession> OpenAsync(GapPlan plan, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(plan.ConnectionString);
        await connection.OpenAsync(ct);
        var session = new GapSession(connection, plan);
        try
        {
            await session.SetUpAsync(ct);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Total capacity (eligible service-at-locations) per category, from this session's site tables.</summary>
    public async Task<int[]> SiteTotalsAsync(CancellationToken ct)
    {
        var totals = new int[_plan.Categories.Count];
        for (var k = 0; k < totals.Length; k++)
        {
            await using var cmd = Command($"SELECT coalesce(sum(capacity), 0)::int FROM gap_site_{k}");
            totals[k] = (int)(await cmd.ExecuteScalarAsync(ct))!;
        }
        return totals;
    }

    private async Task SetUpAsync(CancellationToken ct)
    {
        // JIT compiles these large plans for seconds and gains nothing on index lookups.
        await ExecuteAsync("SET jit = off; SET work_mem = '64MB'; DROP TABLE IF EXISTS gap_region, gap_cell;", ct);
        // Each region with its ancestors (self first) and its ancestor at the requested level.
        await ExecuteAsync("""
            CREATE TEMP TABLE gap_region AS
            WITH RECURSIVE up AS (
                SELECT code AS origin, code, parent_code, level, 0 AS depth FROM region
                UNION ALL
                SELECT up.origin, r.code, r.parent_code, r.level, up.depth + 1
                FROM up JOIN region r ON r.code = up.parent_code
                WHERE up.depth < 16)
            SELECT origin AS code, array_agg(code::text ORDER BY depth) AS codes,
                   (array_agg(code::text ORDER BY depth) FILTER (WHERE level = @level))[1] AS at_level,
                   (array_agg(code::text ORDER BY depth) FILTER (WHERE level = 0 AND code ~ '^[A-Z]{2}$'))[1] AS country
            FROM up GROUP BY origin;
            CREATE UNIQUE INDEX ON gap_region (code);
            DROP TABLE IF EXISTS gap_code;
            CREATE TEMP TABLE gap_code AS SELECT * FROM unnest(@raw, @code) AS m(raw, code);
            CREATE UNIQUE INDEX ON gap_code (raw);
            """, ct, Level(),
            new NpgsqlParameter<string[]>("raw", [.. _plan.RegionCodes.Keys]),
            new NpgsqlParameter<string[]>("code", [.. _plan.RegionCodes.Values]));
        for (var k = 0; k < _plan.Categories.Count; k++)
        {
            var c = _plan.Categories[k];
            // In-person sites: the public point of each physical location of an eligible in-person service. Hidden
            // locations have no public point and never appear; approximate ones appear at their generalised point.
            await ExecuteAsync($"""
                DROP TABLE IF EXISTS gap_site_{k}, gap_area_{k};
                CREATE TEMP TABLE gap_site_{k} AS
                SELECT (row_number() OVER (ORDER BY ST_Y(q.pt::geometry), ST_X(q.pt::geometry), q.approximate, q.country))::int AS id,
                       q.pt, q.approximate, q.country, q.capacity
                FROM (
                    SELECT l.public_point AS pt, l.visibility = 'approximate' AS approximate,
                           CASE WHEN @same_country THEN {SiteCountrySql} END AS country, count(*)::int AS capacity
                    FROM service_at_location x
                    JOIN location l ON l.id = x.location_id
                    WHERE x.service_id = ANY(@services) AND l.public_point IS NOT NULL AND l.location_type = 'physical'
                    GROUP BY 1, 2, 3) q;
                CREATE INDEX ON gap_site_{k} USING gist (pt);
                ANALYZE gap_site_{k};
                CREATE TEMP TABLE gap_area_{k} AS
                SELECT a.extent, ARRAY(SELECT upper(c) FROM unnest(a.region_codes) AS c) AS region_codes
                FROM service_area a WHERE a.service_id = ANY(@areas);
                CREATE INDEX ON gap_area_{k} USING gist (extent);
                ANALYZE gap_area_{k};
                """, ct,
                new NpgsqlParameter<Guid[]>("services", c.SiteServiceIds),
                new NpgsqlParameter<Guid[]>("areas", c.AreaServiceIds),
                new NpgsqlParameter<bool>("same_country", _plan.Options.SameCountry),
                new NpgsqlParameter<double>("tolerance", Regions.RegionCodes.CoastalToleranceKm * 1000));
            await using var approximate = Command($"SELECT coalesce(bool_or(approximate), false) FROM gap_site_{k}");
            _marginM[k] = (bool)(await approximate.ExecuteScalarAsync(ct))! ? ApproximateSlackM : 0.01;
        }
    }

    /// <summary>
    /// Every settlement with seq in [lo, hi): class, region, 2SFCA unit, and per category the public distance to the
    /// nearest in-person site and whether a service area covers it — one INSERT … SELECT for the whole range.
    /// </summary>
    public async Task<int> DistancesAsync(long lo, long hi, CancellationToken ct)
    {
        var k = _plan.Categories.Count;
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"""
            INSERT INTO gap_point_result (analysis_id, seq, demand_point_id, population, weight, settlement_class, class_source,
                                          region_code, cell, distance_m, covered)
            SELECT @analysis, d.seq, d.id, d.population, {WeightSql}, {ClassSql}, {ClassSourceSql},
                   reg.code, {CellSql("d.point", "d.seq")},
                   ARRAY[{string.Join(", ", Enumerable.Range(0, k).Select(DistanceSql))}]::float8[],
                   ARRAY[{string.Join(", ", Enumerable.Range(0, k).Select(CoveredSql))}]::boolean[]
            FROM demand_point d
            LEFT JOIN gap_code m ON m.raw = d.region_code
            LEFT JOIN gap_region g ON g.code = m.code
            CROSS JOIN LATERAL (
                SELECT (array_agg(r.code::text ORDER BY r.level DESC, r.code))[1] AS deepest,
                       (array_agg(r.code::text ORDER BY r.code) FILTER (WHERE r.level = 0 AND r.code ~ '^[A-Z][A-Z]$'))[1] AS country,
                       array_agg(DISTINCT upper(c.code)) AS codes
                FROM region r
                JOIN gap_region gr ON gr.code = r.code
                CROSS JOIN LATERAL unnest(gr.codes) AS c(code)
                WHERE r.geometry IS NOT NULL AND ST_Covers(r.geometry, d.point)) o
            CROSS JOIN LATERAL (
                SELECT CASE WHEN o.deepest IS NULL THEN (
                    SELECT r.code FROM region r
                    WHERE r.level = 0 AND r.geometry IS NOT NULL AND ST_DWithin(r.geometry, d.point, @tolerance)
                    ORDER BY ST_Distance(r.geometry, d.point), r.code LIMIT 1) END AS code) n
            LEFT JOIN gap_region gn ON gn.code = n.code
            CROSS JOIN LATERAL (
                SELECT CASE WHEN @level IS NULL THEN coalesce(m.code, d.region_code, o.deepest, n.code)
                       ELSE coalesce(g.at_level,
                                     (SELECT r.code FROM region r
                                      WHERE r.geometry IS NOT NULL AND r.level = @level AND ST_Covers(r.geometry, d.point)
                                      ORDER BY r.code LIMIT 1),
                                     gn.at_level) END AS code) reg
            CROSS JOIN LATERAL (
                SELECT ARRAY(SELECT DISTINCT upper(x) FROM unnest(coalesce(g.codes, ARRAY[]::text[]) || coalesce(o.codes, ARRAY[]::text[]) || coalesce(gn.codes, ARRAY[]::text[])) AS x) AS codes,
                       coalesce(o.country, gn.country, g.country) AS country) rc

            """);
        for (var i = 0; i < k; i++)
        {
            // Candidates by the index (sphere); the exact public distance (ellipsoid, rounded for approximate sites) only for
            // those the sphere cannot rule out — usually one of the four. "Ambiguous" when even the last candidate could still
            // be the nearest on the ellipsoid: those few are settled by a ring search below.
            sql.Append(CultureInfo.InvariantCulture, $"""
                LEFT JOIN LATERAL (
                    SELECT min(CASE WHEN c.sd <= c.sd0 * {SphereSlack.ToString(CultureInfo.InvariantCulture)} + @margin{i} THEN {PublicDistanceSql("c")} END) AS m,
                           count(*) = {Candidates} AND max(c.sd) <= min(c.sd) * {SphereSlack.ToString(CultureInfo.InvariantCulture)} + @margin{i} AS amb,
                           min(c.sd) AS sd0
                    FROM (SELECT k.*, first_value(k.sd) OVER (ORDER BY k.sd) AS sd0
                          FROM (SELECT s.pt, s.approximate, s.pt <-> d.point AS sd
                                FROM gap_site_{i} s WHERE {CountrySql} ORDER BY s.pt <-> d.point LIMIT {Candidates}) k) c) n{i} ON true

                """);
        }
        sql.Append("WHERE d.dataset_id = @dataset AND d.seq >= @lo AND d.seq < @hi");
        var parameters = new List<NpgsqlParameter>
        {
            new NpgsqlParameter<Guid>("analysis", _plan.AnalysisId),
            new NpgsqlParameter<Guid>("dataset", _plan.DatasetId),
            new NpgsqlParameter<long>("lo", lo),
            new NpgsqlParameter<long>("hi", hi),
            new NpgsqlParameter<long>("urban_centre", _plan.Options.UrbanCentreMinPopulation),
            new NpgsqlParameter<long>("urban_cluster", _plan.Options.UrbanClusterMinPopulation),
            new NpgsqlParameter<bool>("by_population", _plan.ByPopulation),
            new NpgsqlParameter<double>("cell", _plan.CellDegrees),
            new NpgsqlParameter<bool>("same_country", _plan.Options.SameCountry),
            new NpgsqlParameter<double>("tolerance", Regions.RegionCodes.CoastalToleranceKm * 1000),
            Level(),
        };
        parameters.AddRange(Enumerable.Range(0, k).Select(i => new NpgsqlParameter<double>($"margin{i}", _marginM[i])));
        return await ExecuteAsync(sql.ToString(), ct, [.. parameters]);
    }

    private static string DistanceSql(int i) => $"""
        round((CASE WHEN n{i}.amb THEN (SELECT min({PublicDistanceSql("s")}) FROM gap_site_{i} s
                                        WHERE {CountrySql} AND ST_DWithin(s.pt, d.point, n{i}.sd0 * {SphereSlack.ToString(CultureInfo.InvariantCulture)} + @margin{i}, false))
                    ELSE n{i}.m END)::numeric, 1)::float8
        """;

    /// <summary>
    /// With <c>same_country</c>, a settlement's nearest site is sought in its own country (<c>rc.country</c>: the country
    /// outline its point is in, within the coastal tolerance, else the country of its known region code). Sites of unknown
    /// country, and settlements of unknown country, are not restricted.
    /// </summary>
    private const string CountrySql = "(NOT @same_country OR rc.country IS NULL OR s.country IS NULL OR s.country = rc.country)";

    /// <summary>A site's country: its address's, else the country outline (within the coastal tolerance) its public point is in.</summary>
    private const string SiteCountrySql = """
        coalesce(
            (SELECT upper(a.country) FROM address a WHERE a.location_id = l.id AND a.country <> '' ORDER BY a.id LIMIT 1),
            (SELECT r.code FROM region r
             WHERE r.level = 0 AND r.code ~ '^[A-Z]{2}$' AND r.geometry IS NOT NULL AND ST_DWithin(r.geometry, l.public_point, @tolerance)
             ORDER BY ST_Distance(r.geometry, l.public_point), r.code LIMIT 1))
        """;

    private static string CoveredSql(int i) =>
        $"(EXISTS (SELECT 1 FROM gap_area_{i} a WHERE a.region_codes && rc.codes) OR EXISTS (SELECT 1 FROM gap_area_{i} a WHERE a.extent IS NOT NULL AND ST_Covers(a.extent, d.point)))";

    /// <summary>What the public is told (NearestQueries.PublicDistance): exact metres, or 500 m steps for an approximate site.</summary>
    private static string PublicDistanceSql(string s) =>
        $"CASE WHEN {s}.approximate THEN greatest(500, round(ST_Distance({s}.pt, d.point) / 500) * 500) ELSE ST_Distance({s}.pt, d.point) END";

    /// <summary>The settlement's weight: its population, or 1 per settlement in a dataset without population.</summary>
    private const string WeightSql = "(CASE WHEN @by_population THEN coalesce(d.population, 0) ELSE 1 END)::float8";

    /// <summary>
    /// A given class maps onto DEGURBA's three (city → urban centre, town → urban cluster, village/hamlet → rural);
    /// otherwise the class follows from the population and the analysis's thresholds; without either it is unclassified.
    /// </summary>
    private const string ClassSql = """
        CASE
            WHEN d.settlement_class IN ('urban_centre', 'city') THEN 'urban_centre'
            WHEN d.settlement_class IN ('urban_cluster', 'town') THEN 'urban_cluster'
            WHEN d.settlement_class IN ('rural', 'village', 'hamlet') THEN 'rural'
            WHEN d.population IS NULL THEN 'unclassified'
            WHEN d.population >= @urban_centre THEN 'urban_centre'
            WHEN d.population >= @urban_cluster THEN 'urban_cluster'
            ELSE 'rural'
        END
        """;

    private const string ClassSourceSql =
        "CASE WHEN d.settlement_class IS NOT NULL THEN 'given' WHEN d.population IS NULL THEN 'none' ELSE 'derived' END";

    /// <summary>The 2SFCA unit: the settlement itself (its seq) when exact, else the grid cell holding the point.</summary>
    private static string CellSql(string point, string seq) => $"""
        CASE WHEN @cell > 0
             THEN (floor(ST_X({point}::geometry) / @cell)::bigint + 1048576) * 2097152 + (floor(ST_Y({point}::geometry) / @cell)::bigint + 1048576)
             ELSE {seq} END
        """;

    /// <summary>
    /// Two-step floating catchment (Luo &amp; Wang 2003) with the analysis's distance decay W, for every category at once:
    /// step 1, each supply unit j: R_j = S_j / Σ_{k: d_kj ≤ d0} P_k·W(d_kj); step 2, each demand unit i:
    /// A_i = Σ_{j: d_ij ≤ d0} R_j·W(d_ij). Step 1's denominator is the same for every category (only S_j differs), so
    /// each (supply, demand) pair within the catchment is found once for all categories.
    /// <para>
    /// Exact mode (small datasets) uses every settlement and site, with ellipsoidal distances (ST_DWithin/ST_Distance on
    /// geography), as set-based SQL split into <paramref name="parts"/> slices of supply units run as separate tasks:
    /// step 1 of a unit needs only its own pairs, and step 2's sums are additive, so each slice adds its share to A_i (the
    /// aggregation sums the slices). Grid mode first sums population and capacity into cells at their weighted centres in
    /// SQL, then computes both steps in memory (<see cref="GapGridFca"/>) and writes one slice with binary COPY.
    /// </para>
    /// </summary>
    public async Task FcaAsync(int part, int parts, CancellationToken ct)
    {
        if (_plan.CellDegrees > 0)
        {
            await GridFcaAsync(part, ct);
            return;
        }
        await EnsureCellsAsync(ct);
        await EnsureSupplyAsync(ct);
        var weight = _plan.Options.Decay switch
        {
            // Dai (2010) Gaussian: 1 at the site, 0 at the catchment edge (as GapGridFca).
            "gaussian" => "(exp(-0.5 * power(p.dist / @r, 2)) - exp(-0.5)) / (1 - exp(-0.5))",
            // Luo & Qi (2009) E2SFCA: three equal rings weighted 1, 0.68, 0.22 (PySAL access's default steps).
            "e2sfca" => "CASE WHEN p.dist <= @r / 3 THEN 1.0 WHEN p.dist <= 2 * @r / 3 THEN 0.68 ELSE 0.22 END",
            _ => "1.0",
        };
        await ExecuteAsync($"""
            DROP TABLE IF EXISTS gap_pair;
            CREATE TEMP TABLE gap_pair AS
            SELECT p.site, p.cell, p.weight, ({weight})::float8 AS w
            FROM (SELECT s.id AS site, c.cell, c.weight, ST_Distance(s.pt, c.pt) AS dist
                  FROM gap_supply s JOIN gap_cell c ON ST_DWithin(s.pt, c.pt, @r)
                  WHERE s.id % @parts = @part) p;
            """, ct,
            new NpgsqlParameter<double>("r", _plan.CatchmentM),
            new NpgsqlParameter<int>("parts", parts),
            new NpgsqlParameter<int>("part", part));
        var k = _plan.Categories.Count;
        var sums = string.Join(", ", Enumerable.Range(1, k).Select(c => $"sum(s.capacity[{c}] / d.demand * p.w) AS a{c}"));
        var unpivot = string.Join(", ", Enumerable.Range(1, k).Select(c => $"({c - 1}, a{c})"));
        await ExecuteAsync($"""
            INSERT INTO gap_cell_access (analysis_id, category, part, cell, accessibility)
            WITH d AS (SELECT site, sum(weight * w) AS demand FROM gap_pair GROUP BY site HAVING sum(weight * w) > 0),
            a AS (
                SELECT p.cell, {sums}
                FROM gap_pair p JOIN d USING (site) JOIN gap_supply s ON s.id = p.site
                GROUP BY p.cell)
            SELECT @analysis, v.k::smallint, @part, a.cell, v.acc
            FROM a CROSS JOIN LATERAL (VALUES {unpivot}) AS v(k, acc)
            WHERE v.acc > 0
            """, ct,
            new NpgsqlParameter<Guid>("analysis", _plan.AnalysisId),
            new NpgsqlParameter<short>("part", (short)part));
        await ExecuteAsync("DROP TABLE gap_pair", ct);
    }

    /// <summary>
    /// Grid mode: demand cells (population summed at its weighted centre) and supply cells (capacity per category at the
    /// sites' weighted centre) come from two aggregate queries; <see cref="GapGridFca"/> computes the accessibility and it
    /// goes back with binary COPY, one row per cell and category with some accessibility.
    /// </summary>
    private async Task GridFcaAsync(int part, CancellationToken ct)
    {
        var k = _plan.Categories.Count;
        var demand = new List<GapDemandCell>();
        await using (var cmd = Command($"""
            SELECT cell,
                   CASE WHEN sum(w) > 0 THEN sum(y * w) / sum(w) ELSE avg(y) END,
                   CASE WHEN sum(w) > 0 THEN sum(x * w) / sum(w) ELSE avg(x) END,
                   sum(w)
            FROM (SELECT {CellSql("d.point", "d.seq")} AS cell, ST_Y(d.point::geometry) AS y, ST_X(d.point::geometry) AS x, {WeightSql} AS w
                  FROM demand_point d WHERE d.dataset_id = @dataset) q
            GROUP BY cell
            """,
            new NpgsqlParameter<Guid>("dataset", _plan.DatasetId),
            new NpgsqlParameter<double>("cell", _plan.CellDegrees),
            new NpgsqlParameter<bool>("by_population", _plan.ByPopulation)))
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                demand.Add(new GapDemandCell(reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3)));
            }
        }
        var supply = new List<GapSupplyCell>();
        var all = string.Join(" UNION ALL ", Enumerable.Range(0, k).Select(c => $"SELECT {c + 1} AS k, pt, capacity FROM gap_site_{c}"));
        var capacities = string.Join(", ", Enumerable.Range(1, k).Select(c => $"coalesce(sum(capacity) FILTER (WHERE k = {c}), 0)::int"));
        await using (var cmd = Command($"""
            SELECT sum(y * capacity) / sum(capacity), sum(x * capacity) / sum(capacity), ARRAY[{capacities}]
            FROM (SELECT {CellSql("a.pt", "0")} AS cell, a.k, ST_Y(a.pt::geometry) AS y, ST_X(a.pt::geometry) AS x, a.capacity
                  FROM ({all}) a) q
            GROUP BY cell
            HAVING sum(capacity) > 0
            """, new NpgsqlParameter<double>("cell", _plan.CellDegrees)))
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                supply.Add(new GapSupplyCell(reader.GetDouble(0), reader.GetDouble(1), reader.GetFieldValue<int[]>(2)));
            }
        }
        var access = await Task.Run(
            () => GapGridFca.Compute(demand, supply, k, _plan.CellDegrees, _plan.CatchmentM, _plan.Options.Decay, ct), ct);
        await using var writer = await _connection.BeginBinaryImportAsync(
            "COPY gap_cell_access (analysis_id, category, part, cell, accessibility) FROM STDIN (FORMAT BINARY)", ct);
        for (var i = 0; i < demand.Count; i++)
        {
            for (var c = 0; c < k; c++)
            {
                if (access[i][c] > 0)
                {
                    await writer.StartRowAsync(ct);
                    await writer.WriteAsync(_plan.AnalysisId, NpgsqlDbType.Uuid, ct);
                    await writer.WriteAsync((short)c, NpgsqlDbType.Smallint, ct);
                    await writer.WriteAsync((short)part, NpgsqlDbType.Smallint, ct);
                    await writer.WriteAsync(demand[i].Cell, NpgsqlDbType.Bigint, ct);
                    await writer.WriteAsync(access[i][c], NpgsqlDbType.Double, ct);
                }
            }
        }
        await writer.CompleteAsync(ct);
    }

    /// <summary>Exact-mode supply units: every distinct site point, with one capacity per category.</summary>
    private async Task EnsureSupplyAsync(CancellationToken ct)
    {
        if (_supply)
        {
            return;
        }
        var all = string.Join(" UNION ALL ", Enumerable.Range(0, _plan.Categories.Count).Select(k => $"SELECT {k + 1} AS k, pt, capacity FROM gap_site_{k}"));
        var capacities = string.Join(", ", Enumerable.Range(1, _plan.Categories.Count).Select(k => $"coalesce(sum(capacity) FILTER (WHERE k = {k}), 0)::int"));
        await ExecuteAsync($"""
            DROP TABLE IF EXISTS gap_supply;
            CREATE TEMP TABLE gap_supply AS
            SELECT (row_number() OVER (ORDER BY ST_AsEWKT(pt)))::int AS id, pt, ARRAY[{capacities}] AS capacity
            FROM ({all}) a GROUP BY pt;
            CREATE UNIQUE INDEX ON gap_supply (id);
            ANALYZE gap_supply;
            """, ct);
        _supply = true;
    }

    /// <summary>Exact-mode demand units: every settlement, on geography.</summary>
    private async Task EnsureCellsAsync(CancellationToken ct)
    {
        if (_cells)
        {
            return;
        }
        await ExecuteAsync($"""
            CREATE TEMP TABLE gap_cell AS
            SELECT d.seq AS cell, d.point AS pt, {WeightSql} AS weight FROM demand_point d WHERE d.dataset_id = @dataset;
            CREATE INDEX ON gap_cell USING gist (pt);
            ANALYZE gap_cell;
            """, ct,
            new NpgsqlParameter<Guid>("dataset", _plan.DatasetId),
            new NpgsqlParameter<bool>("by_population", _plan.ByPopulation));
        _cells = true;
    }

    /// <summary>
    /// Counts each site in the settlement nearest to it within the catchment (sites farther from every settlement are
    /// outside the dataset's area and not counted); the aggregation then sums them by that settlement's region and class.
    /// The dataset's points get their own GiST index here: a KNN search over the shared index would also walk every
    /// other dataset's points, and a planner may then prefer a sort of the whole dataset.
    /// </summary>
    public async Task<List<GapAllocation>> AllocateAsync(CancellationToken ct)
    {
        await ExecuteAsync("""
            DROP TABLE IF EXISTS gap_demand;
            CREATE TEMP TABLE gap_demand AS SELECT d.seq, d.point FROM demand_point d WHERE d.dataset_id = @dataset;
            CREATE INDEX ON gap_demand USING gist (point);
            ANALYZE gap_demand;
            """, ct, new NpgsqlParameter<Guid>("dataset", _plan.DatasetId));
        var result = new List<GapAllocation>();
        for (var k = 0; k < _plan.Categories.Count; k++)
        {
            await using var cmd = Command($"""
                SELECT n.seq, s.capacity
                FROM gap_site_{k} s
                CROSS JOIN LATERAL (SELECT g.seq, g.point <-> s.pt AS sd FROM gap_demand g ORDER BY g.point <-> s.pt LIMIT 1) n
                WHERE n.sd <= @r
                """, new NpgsqlParameter<double>("r", _plan.CatchmentM));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                result.Add(new GapAllocation(k, reader.GetInt64(0), reader.GetInt32(1)));
            }
        }
        return result;
    }

    internal NpgsqlCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, _connection) { CommandTimeout = 0 };
        cmd.Parameters.AddRange(parameters);
        return cmd;
    }

    internal async Task<int> ExecuteAsync(string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var cmd = Command(sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private NpgsqlParameter Level() => new("level", NpgsqlDbType.Integer) { Value = (object?)_plan.Options.RegionLevel ?? DBNull.Value };

    public async ValueTask DisposeAsync()
    {
        if (_connection.State == System.Data.ConnectionState.Open)
        {
            try
            {
                // Pooled connections are reset on return, but say so: the temp tables are large.
                await using var discard = new NpgsqlCommand("DISCARD TEMP", _connection);
                await discard.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // The connection is going away anyway.
            }
        }
        await _connection.DisposeAsync();
    }
}
