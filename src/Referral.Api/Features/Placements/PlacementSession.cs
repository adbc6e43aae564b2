using System.Globalization;
using Npgsql;
using Referral.Api.Features.Gaps;

namespace Referral.Api.Features.Placements;

/// <summary>The settlements of a placement as its "before" gap analysis left them, indexed 0..n−1 in dataset order.</summary>
internal sealed record PlacementDemand(PlacementSettlements Settlements, double[] BeforeM, string?[] RegionCode);

/// <summary>One candidate's description, read back for the chosen ones.</summary>
internal sealed record PlacementCandidateInfo(int Id, string Name, double Latitude, double Longitude, string Source, Guid? DemandPointId, string? RegionCode, string? SettlementClass);

/// <summary>
/// One database connection of a placement, with its inputs as temporary tables: <c>pl_all</c> (every settlement with its
/// "before" distance from the gap analysis's rows), <c>pl_dem</c> (the settlements a new site could still help, with
/// the farthest distance at which it would), <c>pl_cand</c> (candidates) and <c>pl_chosen</c>. Distances are metres on
/// the WGS 84 ellipsoid (ST_Distance on geography) rounded to 0.1 m like the gap analysis's, so a candidate standing on
/// an existing public site measures exactly that site's distance and adds nothing.
/// </summary>
internal sealed class PlacementSession(NpgsqlConnection connection) : IAsyncDisposable
{
    public static async Task<PlacementSession> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var session = new PlacementSession(connection);
        await session.ExecuteAsync("SET jit = off; SET work_mem = '64MB'; DROP TABLE IF EXISTS pl_all, pl_dem, pl_cand, pl_chosen;", ct);
        return session;
    }

    /// <summary>Every settlement of the gap analysis: weight, population, class, region and distance to its nearest site.</summary>
    public async Task<PlacementDemand> LoadDemandAsync(Guid gapAnalysisId, GapTravelOptions? travel, CancellationToken ct)
    {
        await ExecuteAsync("""
            CREATE TEMP TABLE pl_all AS
            SELECT (row_number() OVER (ORDER BY r.seq) - 1)::int AS idx, r.seq, d.id AS demand_point_id, d.name, d.point AS pt,
                   r.weight, r.population, r.settlement_class AS cls, r.region_code, r.distance_m[1] AS before
            FROM gap_point_result r JOIN demand_point d ON d.id = r.demand_point_id
            WHERE r.analysis_id = @gap;
            CREATE UNIQUE INDEX ON pl_all (idx);
            ANALYZE pl_all;
            """, ct, new NpgsqlParameter<Guid>("gap", gapAnalysisId));
        var (weight, population, cls, before, region) = (new List<double>(), new List<long?>(), new List<string>(), new List<double>(), new List<string?>());
        await using (var cmd = Command("SELECT weight, population, cls, before, region_code FROM pl_all ORDER BY idx"))
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                weight.Add(reader.GetDouble(0));
                population.Add(reader.IsDBNull(1) ? null : reader.GetInt64(1));
                cls.Add(reader.GetString(2));
                before.Add(reader.IsDBNull(3) ? double.NaN : reader.GetDouble(3));
                region.Add(reader.IsDBNull(4) ? null : reader.GetString(4));
            }
        }
        var minutes = cls.Select(c => travel is { } t ? t.DetourFactor / t.SpeedKmh(c) * 60 / 1000 : 0).ToArray();
        return new PlacementDemand(new PlacementSettlements([.. weight], [.. population], [.. cls], minutes), [.. before], [.. region]);
    }

    /// <summary>The settlements a new site could help, each with the farthest distance (m) at which it would.</summary>
    public async Task SetReachAsync(int[] idx, double[] limitM, CancellationToken ct)
    {
        await ExecuteAsync("""
            CREATE TEMP TABLE pl_dem AS
            SELECT a.idx, a.pt, x.lim, a.before FROM unnest(@idx, @lim) AS x(idx, lim) JOIN pl_all a USING (idx);
            CREATE INDEX ON pl_dem USING gist (pt);
            ANALYZE pl_dem;
            """, ct, new NpgsqlParameter<int[]>("idx", idx), new NpgsqlParameter<double[]>("lim", limitM));
    }

    /// <summary>
    /// Candidates, numbered in a stable order: the dataset's settlements (by their order in the dataset), grid cell centres
    /// (rows south to north, west to east; only cells within reach of a settlement that a site could still help), or the
    /// uploaded points (in their order). With regions, only candidates inside them: by the settlement's region (or a
    /// parent of it) or by a region outline that covers the point.
    /// </summary>
    public async Task<(int Size, int Count)> CandidatesAsync(PlacementOptions o, double maxLimitM, CancellationToken ct)
    {
        switch (o.Candidates)
        {
            case PlacementVocabulary.Grid:
                await ExecuteAsync("""
                    CREATE TEMP TABLE pl_cand AS
                    WITH box AS (SELECT min(ST_Y(pt::geometry)) AS s, max(ST_Y(pt::geometry)) AS n,
                                        min(ST_X(pt::geometry)) AS w, max(ST_X(pt::geometry)) AS e FROM pl_all),
                    rows AS (SELECT r, box.s + (r + 0.5) * @dlat AS lat, box.w, box.e
                             FROM box, generate_series(0, greatest(0, floor((box.n - box.s) / @dlat)::int)) AS r),
                    cells AS (SELECT r, c, lat, rows.w + (c + 0.5) * (@dlat / greatest(cos(radians(lat)), 0.01)) AS lng
                              FROM rows, generate_series(0, greatest(0, floor((rows.e - rows.w) / (@dlat / greatest(cos(radians(lat)), 0.01)))::int)) AS c)
                    SELECT (row_number() OVER (ORDER BY r, c) - 1)::int AS id,
                           'grid ' || r || '/' || c AS name, ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography AS pt,
                           'grid'::text AS source, NULL::uuid AS demand_point_id, NULL::text AS region_code, NULL::text AS cls
                    FROM cells
                    WHERE lat BETWEEN -90 AND 90 AND lng BETWEEN -180 AND 180
                      AND EXISTS (SELECT 1 FROM pl_dem d WHERE ST_DWithin(d.pt, ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography, @reach))
                    """, ct,
                    new NpgsqlParameter<double>("dlat", o.CellKm!.Value / 111.32),
                    new NpgsqlParameter<double>("reach", maxLimitM));
                break;
            case PlacementVocabulary.Points:
                var points = o.Points!;
                await ExecuteAsync("""
                    CREATE TEMP TABLE pl_cand AS
                    SELECT (p.n - 1)::int AS id, p.name, ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326)::geography AS pt,
                           'point'::text AS source, NULL::uuid AS demand_point_id, NULL::text AS region_code, NULL::text AS cls
                    FROM unnest(@names, @lats, @lngs) WITH ORDINALITY AS p(name, lat, lng, n)
                    """, ct,
                    new NpgsqlParameter<string[]>("names", [.. points.Select(p => p.Name ?? "")]),
                    new NpgsqlParameter<double[]>("lats", [.. points.Select(p => p.Latitude ?? 0)]),
                    new NpgsqlParameter<double[]>("lngs", [.. points.Select(p => p.Longitude ?? 0)]));
                break;
            default:
                await ExecuteAsync("""
                    CREATE TEMP TABLE pl_cand AS
                    SELECT idx AS id, name, pt, 'settlement'::text AS source, demand_point_id, region_code, cls FROM pl_all
                    """, ct);
                break;
        }
        if (o.WithinRegions.Length > 0)
        {
            await ExecuteAsync("""
                WITH RECURSIVE inside AS (
                    SELECT code FROM region WHERE code = ANY(@regions)
                    UNION
                    SELECT r.code FROM region r JOIN inside i ON r.parent_code = i.code)
                DELETE FROM pl_cand c
                WHERE NOT (coalesce(c.region_code = ANY(ARRAY(SELECT code FROM inside)), false)
                           OR EXISTS (SELECT 1 FROM region r WHERE r.code IN (SELECT code FROM inside)
                                      AND r.geometry IS NOT NULL AND ST_Covers(r.geometry, c.pt)))
                """, ct, new NpgsqlParameter<string[]>("regions", o.WithinRegions));
        }
        await ExecuteAsync("CREATE UNIQUE INDEX ON pl_cand (id); CREATE INDEX ON pl_cand USING gist (pt); ANALYZE pl_cand;", ct);
        await using var count = Command("SELECT coalesce(max(id) + 1, 0)::int, count(*)::int FROM pl_cand");
        await using var reader = await count.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    /// <summary>
    /// Every (candidate, settlement) pair that matters, ordered by candidate: the settlement is within its limit and the
    /// candidate is strictly nearer than today's nearest site. Candidate ids without a row (filtered out, or helping
    /// nobody) get no pairs.
    /// </summary>
    public async Task<(int[] Start, int[] Settlement, double[] DistanceM)> PairsAsync(int candidates, double maxLimitM, CancellationToken ct)
    {
        var start = new int[candidates + 1];
        var (who, metres) = (new List<int>(), new List<double>());
        await using (var cmd = Command("""
            SELECT c.id, d.idx, p.m
            FROM pl_cand c
            JOIN pl_dem d ON ST_DWithin(c.pt, d.pt, @reach)
            CROSS JOIN LATERAL (SELECT round(ST_Distance(c.pt, d.pt)::numeric, 1)::float8 AS m) p
            WHERE p.m <= d.lim AND (d.before IS NULL OR p.m < d.before)
            ORDER BY c.id, d.idx
            """, new NpgsqlParameter<double>("reach", maxLimitM)))
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                start[reader.GetInt32(0) + 1]++;
                who.Add(reader.GetInt32(1));
                metres.Add(reader.GetDouble(2));
            }
        }
        for (var j = 0; j < candidates; j++)
        {
            start[j + 1] += start[j];
        }
        return (start, [.. who], [.. metres]);
    }

    /// <summary>Pairs of useful candidates closer than the minimum spacing (ellipsoidal): never both chosen.</summary>
    public async Task<int[][]> ConflictsAsync(int candidates, int[] useful, double spacingM, CancellationToken ct)
    {
        var lists = Enumerable.Range(0, candidates).Select(_ => new List<int>()).ToArray();
        await using (var cmd = Command("""
            WITH u AS (SELECT c.id, c.pt FROM pl_cand c WHERE c.id = ANY(@useful))
            SELECT a.id, b.id FROM u a JOIN pl_cand b ON b.id <> a.id AND ST_DWithin(a.pt, b.pt, @s)
            WHERE b.id = ANY(@useful) AND ST_Distance(a.pt, b.pt) < @s
            """, new NpgsqlParameter<int[]>("useful", useful), new NpgsqlParameter<double>("s", spacingM)))
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                lists[reader.GetInt32(0)].Add(reader.GetInt32(1));
            }
        }
        return [.. lists.Select(l => l.ToArray())];
    }

    /// <summary>
    /// The chosen sites' exact distances to every settlement they are nearer to than today's nearest site (not only
    /// those within the pairs' limits, so the "after" means and medians are exact): (settlement, rank, metres).
    /// A sphere test with the gap analysis's slack keeps the ellipsoidal work to the pairs that can qualify.
    /// </summary>
    public async Task<List<(int Settlement, int Rank, double DistanceM)>> AfterAsync(int[] chosen, CancellationToken ct)
    {
        await ExecuteAsync("""
            CREATE TEMP TABLE pl_chosen AS
            SELECT (x.n - 1)::int AS rank, c.pt FROM unnest(@ids) WITH ORDINALITY AS x(id, n) JOIN pl_cand c ON c.id = x.id
            """, ct, new NpgsqlParameter<int[]>("ids", chosen));
        var slack = GapSession.SphereSlack.ToString(CultureInfo.InvariantCulture);
        var result = new List<(int, int, double)>();
        await using var cmd = Command($"""
            SELECT a.idx, c.rank, p.m
            FROM pl_all a CROSS JOIN pl_chosen c
            CROSS JOIN LATERAL (SELECT round(ST_Distance(c.pt, a.pt)::numeric, 1)::float8 AS m) p
            WHERE (a.before IS NULL OR ST_DWithin(c.pt, a.pt, a.before * {slack} + 1, false))
              AND (a.before IS NULL OR p.m < a.before)
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetDouble(2)));
        }
        return result;
    }

    public async Task<List<PlacementCandidateInfo>> DescribeAsync(int[] ids, CancellationToken ct)
    {
        await using var cmd = Command("""
            SELECT c.id, c.name, ST_Y(c.pt::geometry), ST_X(c.pt::geometry), c.source, c.demand_point_id, c.region_code, c.cls
            FROM unnest(@ids) WITH ORDINALITY AS x(id, n) JOIN pl_cand c ON c.id = x.id ORDER BY x.n
            """, new NpgsqlParameter<int[]>("ids", ids));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var result = new List<PlacementCandidateInfo>();
        while (await reader.ReadAsync(ct))
        {
            result.Add(new PlacementCandidateInfo(reader.GetInt32(0), reader.GetString(1), Math.Round(reader.GetDouble(2), 6), Math.Round(reader.GetDouble(3), 6),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return result;
    }

    private NpgsqlCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        cmd.Parameters.AddRange(parameters);
        return cmd;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var cmd = Command(sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (connection.State == System.Data.ConnectionState.Open)
        {
            try
            {
                await using var discard = new NpgsqlCommand("DISCARD TEMP", connection);
                await discard.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // The connection is going away anyway.
            }
        }
        await connection.DisposeAsync();
    }
}
