using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Placements;

/// <summary>
/// The exports of a finished placement: a CSV row per chosen site (quoted by the gap exports' CSV writer), and GeoJSON
/// points with the same properties plus the rules and the before/after figures as foreign members (RFC 7946 §6.1).
/// Only the new sites' candidate points appear: existing sites never do, so nothing confidential can leak.
/// </summary>
internal static class PlacementExports
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] Header =
    [
        "placement_id", "dataset", "category", "objective", "rank", "name", "latitude", "longitude", "source", "demand_point_id",
        "region_code", "settlement_class", "gain", "gain_unit", "cumulative", "served_share_after", "urban_served_share_after",
        "rural_served_share_after", "mean_distance_m_after", "urban_mean_distance_m_after", "rural_mean_distance_m_after",
    ];

    public static string FileName(Guid id, string extension) => $"placement-{id:N}.{extension}";

    public static string GainUnit(PlacementOptions o) => o.Objective == PlacementVocabulary.Median
        ? (o.TravelTime is null ? "person_km_saved" : "person_minutes_saved")
        : "people_newly_covered";

    public static async Task WriteCsvAsync(PlacementDocument p, TextWriter writer, CancellationToken ct)
    {
        await writer.WriteLineAsync(string.Join(',', Header));
        var unit = GainUnit(p.Options);
        foreach (var s in p.Results!.Sites)
        {
            ct.ThrowIfCancellationRequested();
            string?[] row =
            [
                p.Id.ToString(), p.Dataset.Name, p.Options.Category, p.Options.Objective, Number(s.Rank), s.Name, Number(s.Latitude), Number(s.Longitude),
                s.Source, s.DemandPointId?.ToString(), s.RegionCode, s.SettlementClass, Number(s.Gain), unit, Number(s.Cumulative),
                Number(s.After.ServedShare), Number(s.After.UrbanServedShare), Number(s.After.RuralServedShare),
                Number(s.After.MeanDistanceM), Number(s.After.UrbanMeanDistanceM), Number(s.After.RuralMeanDistanceM),
            ];
            await writer.WriteLineAsync(string.Join(',', row.Select(CsvText.Field)));
        }
    }

    public static async Task WriteGeoJsonAsync(PlacementDocument p, Stream output, CancellationToken ct)
    {
        var pipe = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));
        await using var json = new Utf8JsonWriter(pipe, WriterOptions);
        var r = p.Results!;
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteString("name", $"placement_{p.Id:N}");
        json.WriteStartObject("placement");
        json.WriteString("id", p.Id);
        json.WriteString("dataset", p.Dataset.Name);
        json.WriteString("category", p.Options.Category);
        json.WriteString("objective", p.Options.Objective);
        json.WriteString("created_at", p.CreatedAt);
        json.WriteString("input_hash", p.InputHash);
        json.WriteString("headline", r.Headline);
        json.WriteEndObject();
        json.WritePropertyName("rules");
        JsonSerializer.Serialize(json, r.Rules, JsonSetup.Options);
        json.WritePropertyName("before");
        JsonSerializer.Serialize(json, r.Before, JsonSetup.Options);
        json.WritePropertyName("after");
        JsonSerializer.Serialize(json, r.After, JsonSetup.Options);
        json.WriteStartArray("features");
        var unit = GainUnit(p.Options);
        foreach (var s in r.Sites)
        {
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteNumber("id", s.Rank);
            json.WriteStartObject("geometry");
            json.WriteString("type", "Point");
            json.WriteStartArray("coordinates");
            json.WriteNumberValue(s.Longitude);
            json.WriteNumberValue(s.Latitude);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("properties");
            json.WriteNumber("rank", s.Rank);
            json.WriteString("name", s.Name);
            json.WriteString("source", s.Source);
            if (s.DemandPointId is { } d)
            {
                json.WriteString("demand_point_id", d);
            }
            json.WriteString("region_code", s.RegionCode);
            json.WriteString("settlement_class", s.SettlementClass);
            json.WriteNumber("gain", s.Gain);
            json.WriteString("gain_unit", unit);
            json.WriteNumber("cumulative", s.Cumulative);
            json.WritePropertyName("after");
            JsonSerializer.Serialize(json, s.After, JsonSetup.Options);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
        await pipe.CompleteAsync();
    }

    private static string? Number(double? value) => value?.ToString("0.######", CultureInfo.InvariantCulture);
}
