using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Gaps;

/// <summary>
/// Builders for gap-analysis tests: places on one meridian at designed distances (so every figure can be worked out by
/// hand), services with categories, visibility and areas, demand datasets imported through the API, and analyses.
/// </summary>
internal static class GapWorld
{
    public const double Lat0 = 9.0;
    public const double Lng0 = -84.0;

    /// <summary>The latitude <paramref name="km"/> north of (Lat0, Lng0) on its meridian, to 0.1 mm on the WGS 84 ellipsoid.</summary>
    public static double North(double km) => LatitudeAt(Lat0, Lng0, km * 1000);

    public static double LatitudeAt(double lat0, double lng, double metres)
    {
        double lo = lat0, hi = lat0 + (metres / 100_000) + 0.5;
        for (var i = 0; i < 200 && hi - lo > 1e-13; i++)
        {
            var mid = (lo + hi) / 2;
            if (Geodesic.DistanceM(lat0, lng, mid, lng) < metres)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    public static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An active service of <paramref name="category"/> at <paramref name="km"/> north of the origin (no location when null).</summary>
    public static async Task<Guid> ServiceAsync(HttpClient client, Guid org, string name, string category, double? km,
        string visibility = "public", string[]? areaCodes = null, string[]? modes = null, double? lat = null, double? lng = null)
    {
        var doc = TestData.Service(org, name, lat ?? (km is { } k ? North(k) : Lat0), lng ?? Lng0, category, visibility);
        if (km is null && lat is null)
        {
            doc.Remove("service_at_locations");
        }
        if (areaCodes is not null)
        {
            doc["service_areas"] = new JsonArray(new JsonObject { ["name"] = name + " area", ["region_codes"] = new JsonArray([.. areaCodes.Select(c => (JsonNode)c)]) });
        }
        if (modes is not null)
        {
            doc["delivery_modes"] = new JsonArray([.. modes.Select(m => (JsonNode)m)]);
        }
        return (await TestData.CreateServiceAsync(client, doc)).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> ImportCsvAsync(HttpClient client, string name, string csv, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        var response = await client.PostAsync($"/api/demand_datasets?name={Uri.EscapeDataString(name)}", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Import: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>POSTs an analysis and returns the finished document (201 for a new small one, 200 when reused).</summary>
    public static async Task<JsonElement> AnalyseAsync(HttpClient client, object request)
    {
        var response = await client.PostAsJsonAsync("/api/gap_analyses", request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"Analysis: {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("succeeded", body.GetProperty("status").GetString());
        return body;
    }

    /// <summary>One group's metrics: region × class × category.</summary>
    public static JsonElement Group(JsonElement analysis, string region, string cls, string category) =>
        analysis.GetProperty("results").GetProperty("groups").EnumerateArray()
            .Single(g => g.GetProperty("region_code").GetString() == region && g.GetProperty("settlement_class").GetString() == cls
                && g.GetProperty("category").GetString() == category)
            .GetProperty("metrics");

    public static JsonElement Summary(JsonElement analysis, string category) =>
        analysis.GetProperty("results").GetProperty("summary").EnumerateArray().Single(s => s.GetProperty("category").GetString() == category);

    public static double? Number(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>The share within <paramref name="km"/> of a metrics object.</summary>
    public static double? Within(JsonElement metrics, double km) =>
        metrics.GetProperty("within").EnumerateArray().Where(w => w.GetProperty("km").GetDouble() == km).Select(w => Number(w, "share")).Single();

    /// <summary>The points export as (name → properties).</summary>
    public static async Task<Dictionary<string, JsonElement>> PointsAsync(HttpClient client, JsonElement analysis)
    {
        var response = await client.GetAsync(analysis.GetProperty("links").GetProperty("points").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("FeatureCollection", doc.GetProperty("type").GetString());
        return doc.GetProperty("features").EnumerateArray()
            .ToDictionary(f => f.GetProperty("properties").GetProperty("name").GetString()!, f => f.GetProperty("properties").Clone());
    }
}
