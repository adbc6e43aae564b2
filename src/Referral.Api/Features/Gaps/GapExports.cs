using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// The exports of a finished analysis, streamed: a CSV table (a row per region × class × category, rollups marked
/// <c>all</c>), GeoJSON points (each settlement with its distances per category: a choropleth or QGIS layer as is),
/// and GeoJSON regions with their figures. Property names are flat (<c>police_distance_m</c>) so GIS tools can style by them.
/// </summary>
internal sealed class GapExports(ReferralDbContext db)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteTableAsync(GapAnalysisDocument analysis, TextWriter writer, CancellationToken ct)
    {
        var r = analysis.Results!;
        var o = analysis.Options;
        var inv = CultureInfo.InvariantCulture;
        var header = new List<string>
        {
            "analysis_id", "dataset", "region_code", "region_name", "settlement_class", "category", "mode", "settlements", "weight", "population",
            "mean_distance_m", "median_distance_m", "p90_distance_m", "median_distance_m_settlements", "p90_distance_m_settlements", "max_distance_m",
        };
        header.AddRange(o.ThresholdsKm.Select(t => $"share_within_{Number(t)}km"));
        header.AddRange(["covered_share", "served_share", "gap", "services", "services_per_100k", "accessibility_per_100k"]);
        if (o.TravelTime is not null)
        {
            header.AddRange(["travel_minutes_mean_estimate", "travel_minutes_median_estimate", "travel_minutes_p90_estimate"]);
        }
        header.AddRange(["worst_served", "class_rule"]);
        await writer.WriteLineAsync(string.Join(',', header));
        foreach (var g in r.Groups)
        {
            ct.ThrowIfCancellationRequested();
            var m = g.Metrics;
            var row = new List<string?>
            {
                analysis.Id.ToString(), analysis.Dataset.Name, g.RegionCode, g.RegionName, g.SettlementClass, g.Category,
                o.IsArea(g.Category) ? "area" : "in_person",
                m.Settlements.ToString(inv), Number(m.Weight), m.Population?.ToString(inv),
                Number(m.MeanDistanceM), Number(m.MedianDistanceM), Number(m.P90DistanceM),
                Number(m.MedianDistanceMSettlements), Number(m.P90DistanceMSettlements), Number(m.MaxDistanceM),
            };
            row.AddRange(m.Within.Select(w => Number(w.Share)));
            row.AddRange([Number(m.CoveredShare), Number(m.ServedShare), m.Gap is { } gap ? (gap ? "true" : "false") : null,
                m.Services.ToString(inv), Number(m.ServicesPer100k), Number(m.AccessibilityPer100k)]);
            if (o.TravelTime is not null)
            {
                row.AddRange([Number(m.TravelMinutes?.Mean), Number(m.TravelMinutes?.Median), Number(m.TravelMinutes?.P90)]);
            }
            var area = o.IsArea(g.Category);
            row.Add(string.Join("; ", g.WorstServed.Select(w =>
                $"{w.Name} ({(w.DistanceM is null ? "no site" : GapAggregator.Km(w.DistanceM))}{(area && w.Covered ? ", in a service area" : "")})")));
            row.Add(r.Rules.SettlementClass.Text);
            await writer.WriteLineAsync(string.Join(',', row.Select(CsvText.Field)));
        }
    }

    /// <summary>One Point feature per settlement, with per category its distance, whether it is served and its 2SFCA score.</summary>
    public Task WritePointsAsync(GapAnalysisDocument analysis, Stream output, CancellationToken ct)
        => WriteCollectionAsync(analysis, "gap_points", output,
            (json, flush) => WritePointFeaturesAsync(analysis, GapFeatureFilter.All, json, flush, ct), ct);

    /// <summary>The settlements of <paramref name="filter"/> (all, or a box / a page / one), as the points export writes them.</summary>
    public async Task<int> CountPointsAsync(GapAnalysisDocument analysis, GapFeatureFilter filter, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT count(*)::int FROM gap_point_result r JOIN demand_point d ON d.id = r.demand_point_id WHERE r.analysis_id = @analysis" + filter.Sql,
                connection);
            cmd.Parameters.Add(new NpgsqlParameter<Guid>("analysis", analysis.Id));
            filter.AddParameters(cmd);
            return (int)(await cmd.ExecuteScalarAsync(ct))!;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Writes the settlement features of <paramref name="filter"/> into an open array; returns how many.</summary>
    public async Task<int> WritePointFeaturesAsync(GapAnalysisDocument analysis, GapFeatureFilter filter, Utf8JsonWriter json, Func<Task> flush, CancellationToken ct)
    {
        var o = analysis.Options;
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        var n = 0;
        try
        {
            await using var cmd = new NpgsqlCommand($"""
                SELECT r.demand_point_id, d.name, ST_Y(d.point::geometry), ST_X(d.point::geometry), r.population, r.settlement_class,
                       r.class_source, r.region_code, r.distance_m, r.covered,
                       ARRAY(SELECT coalesce((SELECT sum(a.accessibility) FROM gap_cell_access a
                                              WHERE a.analysis_id = r.analysis_id AND a.category = g.k AND a.cell = r.cell), 0)
                             FROM generate_series(0, @k - 1) AS g(k) ORDER BY g.k),
                       d.settlement_class
                FROM gap_point_result r JOIN demand_point d ON d.id = r.demand_point_id
                WHERE r.analysis_id = @analysis{filter.Sql}
                ORDER BY r.seq{filter.PageSql}
                """, connection);
            cmd.CommandTimeout = 0;
            cmd.Parameters.Add(new NpgsqlParameter<Guid>("analysis", analysis.Id));
            cmd.Parameters.Add(new NpgsqlParameter<int>("k", o.Categories.Length));
            filter.AddParameters(cmd, page: true);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var byPopulation = analysis.Results!.Totals.Weighting == "population";
            while (await reader.ReadAsync(ct))
            {
                var cls = reader.GetString(5);
                var distances = reader.GetFieldValue<double?[]>(8);
                var covered = reader.GetFieldValue<bool[]>(9);
                var access = reader.GetFieldValue<double[]>(10);
                json.WriteStartObject();
                json.WriteString("type", "Feature");
                json.WriteString("id", reader.GetGuid(0));
                json.WriteStartObject("geometry");
                json.WriteString("type", "Point");
                json.WriteStartArray("coordinates");
                json.WriteNumberValue(Math.Round(reader.GetDouble(3), 7));
                json.WriteNumberValue(Math.Round(reader.GetDouble(2), 7));
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteStartObject("properties");
                json.WriteString("demand_point_id", reader.GetGuid(0));
                json.WriteString("name", reader.GetString(1));
                if (reader.IsDBNull(4))
                {
                    json.WriteNull("population");
                }
                else
                {
                    json.WriteNumber("population", reader.GetInt64(4));
                }
                json.WriteString("settlement_class", cls);
                json.WriteString("class_source", reader.GetString(6));
                // The class the dataset gave (village, hamlet, …) beside the derived urban/rural one.
                json.WriteString("source_class", reader.IsDBNull(11) ? null : reader.GetString(11));
                json.WriteString("region_code", reader.IsDBNull(7) ? null : reader.GetString(7));
                for (var k = 0; k < o.Categories.Length; k++)
                {
                    var c = o.Categories[k];
                    var d = distances[k];
                    WriteNumber(json, $"{c}_distance_m", d);
                    json.WriteBoolean($"{c}_covered", covered[k]);
                    json.WriteBoolean($"{c}_served", (d is { } dm && dm <= o.TargetKm * 1000) || (o.IsArea(c) && covered[k]));
                    WriteNumber(json, $"{c}_access_per_100k", byPopulation ? Math.Round(access[k] * 100_000, 4) : null);
                    if (o.TravelTime is { } t)
                    {
                        WriteNumber(json, $"{c}_travel_min_estimate", d is { } m ? Math.Round(m / 1000 * t.DetourFactor / t.SpeedKmh(cls) * 60, 1) : null);
                    }
                }
                json.WriteEndObject();
                json.WriteEndObject();
                if (++n % 1000 == 0)
                {
                    await flush();
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return n;
    }

    /// <summary>
    /// One feature per region with an outline (null geometry otherwise — QGIS shows those in the attribute table), with per
    /// category the all-classes figures and the urban and rural mean distances.
    /// </summary>
    public Task WriteRegionsAsync(GapAnalysisDocument analysis, Stream output, CancellationToken ct)
        => WriteCollectionAsync(analysis, "gap_regions", output,
            (json, flush) => WriteRegionFeaturesAsync(analysis, GapFeatureFilter.All, json, flush, ct), ct);

    /// <summary>A FeatureCollection named <c>{name}_{id}</c> with the analysis header, its features written by <paramref name="writeFeatures"/>.</summary>
    private static async Task WriteCollectionAsync(
        GapAnalysisDocument analysis, string name, Stream output, Func<Utf8JsonWriter, Func<Task>, Task> writeFeatures, CancellationToken ct)
    {
        // Utf8JsonWriter and JsonSerializer flush synchronously; through a PipeWriter the I/O is ours, and asynchronous.
        var pipe = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));
        await using var json = new Utf8JsonWriter(pipe, WriterOptions);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteString("name", $"{name}_{analysis.Id:N}");
        WriteHeader(json, analysis);
        json.WriteStartArray("features");
        await writeFeatures(json, async () =>
        {
            await json.FlushAsync(ct);
            await pipe.FlushAsync(ct);
        });
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
        await pipe.CompleteAsync();
    }

    /// <summary>
    /// Writes the region features of <paramref name="filter"/> into an open array (in region code order); returns how many
    /// matched the filter before paging and how many were written. A box keeps only regions whose outline meets it.
    /// </summary>
    public async Task<(int Matched, int Written)> WriteRegionFeaturesAsync(
        GapAnalysisDocument analysis, GapFeatureFilter filter, Utf8JsonWriter json, Func<Task> flush, CancellationToken ct)
    {
        var r = analysis.Results!;
        var o = analysis.Options;
        var groups = r.Groups.Where(g => g.RegionCode != GapClasses.Any && (filter.Id is null || g.RegionCode == filter.Id))
            .ToLookup(g => g.RegionCode);
        var codes = groups.Select(g => g.Key).ToList();
        var regions = db.Regions.AsNoTracking().Where(x => codes.Contains(x.Code));
        if (filter.Box is { } box)
        {
            var parts = box.Parts.ToArray();
            var (a, b) = (parts[0], parts.Length > 1 ? parts[1] : parts[0]);
            regions = regions.Where(x => x.Geometry != null && (SqlFunctions.MeetsBox(x.Geometry, a.MinLongitude, a.MinLatitude, a.MaxLongitude, a.MaxLatitude)
                || SqlFunctions.MeetsBox(x.Geometry, b.MinLongitude, b.MinLatitude, b.MaxLongitude, b.MaxLatitude)));
        }
        var outlines = await regions.Select(x => new { x.Code, x.Level, x.ParentCode, x.Geometry }).ToDictionaryAsync(x => x.Code, ct);
        var selected = groups.Where(g => filter.Box is null || outlines.ContainsKey(g.Key)).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var written = 0;
        foreach (var region in selected.Skip(filter.Offset).Take(filter.Limit))
        {
            var all = region.Where(g => g.SettlementClass == GapClasses.Any).ToDictionary(g => g.Category);
            var first = all.Values.First();
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteString("id", region.Key);
            json.WritePropertyName("geometry");
            if (outlines.TryGetValue(region.Key, out var outline) && outline.Geometry is not null)
            {
                JsonSerializer.Serialize<NetTopologySuite.Geometries.Geometry>(json, outline.Geometry, JsonSetup.Options);
            }
            else
            {
                json.WriteNullValue();
            }
            json.WriteStartObject("properties");
            json.WriteString("region_code", region.Key);
            json.WriteString("region_name", first.RegionName);
            if (outline is not null)
            {
                json.WriteNumber("level", outline.Level);
                json.WriteString("parent_code", outline.ParentCode);
            }
            json.WriteNumber("settlements", first.Metrics.Settlements);
            WriteNumber(json, "population", first.Metrics.Population);
            foreach (var c in o.Categories)
            {
                if (!all.TryGetValue(c, out var g))
                {
                    continue;
                }
                var m = g.Metrics;
                WriteNumber(json, $"{c}_mean_distance_m", m.MeanDistanceM);
                WriteNumber(json, $"{c}_median_distance_m", m.MedianDistanceM);
                WriteNumber(json, $"{c}_p90_distance_m", m.P90DistanceM);
                WriteNumber(json, $"{c}_median_distance_m_settlements", m.MedianDistanceMSettlements);
                WriteNumber(json, $"{c}_p90_distance_m_settlements", m.P90DistanceMSettlements);
                WriteNumber(json, $"{c}_max_distance_m", m.MaxDistanceM);
                foreach (var w in m.Within)
                {
                    WriteNumber(json, $"{c}_within_{Number(w.Km)}km", w.Share);
                }
                WriteNumber(json, $"{c}_covered_share", m.CoveredShare);
                WriteNumber(json, $"{c}_served_share", m.ServedShare);
                if (m.Gap is { } gap)
                {
                    json.WriteBoolean($"{c}_gap", gap);
                }
                else
                {
                    json.WriteNull($"{c}_gap");
                }
                json.WriteNumber($"{c}_services", m.Services);
                WriteNumber(json, $"{c}_services_per_100k", m.ServicesPer100k);
                WriteNumber(json, $"{c}_access_per_100k", m.AccessibilityPer100k);
                if (o.TravelTime is not null)
                {
                    WriteNumber(json, $"{c}_travel_min_mean_estimate", m.TravelMinutes?.Mean);
                }
                var urban = region.FirstOrDefault(x => x.Category == c && x.SettlementClass == GapAggregator.Urban)?.Metrics;
                var rural = region.FirstOrDefault(x => x.Category == c && x.SettlementClass == GapClasses.Rural)?.Metrics;
                WriteNumber(json, $"{c}_urban_mean_distance_m", urban?.MeanDistanceM);
                WriteNumber(json, $"{c}_rural_mean_distance_m", rural?.MeanDistanceM);
                WriteNumber(json, $"{c}_rural_urban_ratio", GapAggregator.Ratio(rural?.MeanDistanceM, urban?.MeanDistanceM));
            }
            json.WriteEndObject();
            json.WriteEndObject();
            written++;
            await flush();
        }
        return (selected.Count, written);
    }

    /// <summary>Foreign members (RFC 7946 §6.1): where the figures come from, and the rules they follow. GIS tools ignore them.</summary>
    private static void WriteHeader(Utf8JsonWriter json, GapAnalysisDocument analysis)
    {
        json.WriteStartObject("analysis");
        json.WriteString("id", analysis.Id);
        json.WriteString("dataset", analysis.Dataset.Name);
        json.WriteString("created_at", analysis.CreatedAt);
        json.WriteString("input_hash", analysis.InputHash);
        json.WriteEndObject();
        json.WritePropertyName("rules");
        JsonSerializer.Serialize(json, analysis.Results!.Rules, JsonSetup.Options);
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string? Number(double? value) => value?.ToString("0.####", CultureInfo.InvariantCulture);

    public static string TableFileName(Guid id) => $"gap-analysis-{id:N}.csv";

    public static Encoding Utf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
}
