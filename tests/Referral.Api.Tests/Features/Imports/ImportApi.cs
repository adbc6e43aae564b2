using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using Referral.Api.Features.Regions;
using Referral.Api.Infrastructure;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Imports;

/// <summary>Posting imports and reading their reports (200 with the report, or 422 with it in the problem's <c>report</c>).</summary>
internal static class ImportApi
{
    public sealed record Result(HttpStatusCode Status, JsonElement Body)
    {
        /// <summary>The data-quality report, wherever the response carries it.</summary>
        public JsonElement Report => Body.TryGetProperty("report", out var r) ? r : Body;

        public long Count(string path)
        {
            var e = Report.GetProperty("counts");
            foreach (var part in path.Split('.'))
            {
                e = e.GetProperty(part);
            }
            return e.GetInt64();
        }

        public List<JsonElement> Rejected => [.. Report.GetProperty("rejected").EnumerateArray()];

        public List<JsonElement> Warnings => [.. Report.GetProperty("warnings").EnumerateArray()];

        /// <summary>The rejection codes of the record at <paramref name="line"/>.</summary>
        public string[] CodesAt(long line, string list = "rejected") =>
            [.. Report.GetProperty(list).EnumerateArray().Where(i => i.TryGetProperty("line", out var l) && l.GetInt64() == line).Select(i => i.GetProperty("code").GetString()!)];
    }

    public static async Task<Result> PostAsync(HttpClient client, string body, string contentType, string query = "")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await SendAsync(client, content, query);
    }

    /// <summary>Multipart upload: files (name → content) and an optional mapping file.</summary>
    public static async Task<Result> PostFilesAsync(HttpClient client, IEnumerable<(string Name, byte[] Content)> files, string? mapping = null, string query = "")
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            form.Add(new ByteArrayContent(bytes), "file", name);
        }
        if (mapping is not null)
        {
            form.Add(new StringContent(mapping, Encoding.UTF8, "application/json"), "mapping", "mapping.json");
        }
        return await SendAsync(client, form, query);
    }

    private static async Task<Result> SendAsync(HttpClient client, HttpContent content, string query)
    {
        using var response = await client.PostAsync("/api/imports" + (query.Length > 0 ? "?" + query : ""), content);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Result(response.StatusCode, body);
    }

    /// <summary>The seed's country outlines (Natural Earth 1:50m: Costa Rica and its neighbours), for the position checks.</summary>
    internal static async Task AddCountriesAsync(ReferralApiFactory factory) => await factory.WithDbAsync(async db =>
    {
        if (await db.Regions.AnyAsync(r => r.Code == "CR"))
        {
            return;
        }
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Folder(), "..", "..", "..", "..", "seed", "regions.geojson")));
        foreach (var feature in doc.RootElement.GetProperty("features").EnumerateArray())
        {
            var props = feature.GetProperty("properties");
            var geometry = JsonSerializer.Deserialize<Geometry>(feature.GetProperty("geometry").GetRawText(), JsonSetup.Options)!;
            var area = geometry as MultiPolygon ?? Geo.Factory.CreateMultiPolygon([(Polygon)geometry]);
            // As the seed loader does: outlines stitched across the antimeridian (Fiji, Russia) are cut there.
            Referral.Api.Features.Demand.RegionImport.CutAtAntimeridian(ref area);
            area.SRID = Geo.Srid;
            db.Regions.Add(new Region
            {
                Id = Guid.NewGuid(),
                Code = props.GetProperty("code").GetString()!,
                Name = props.GetProperty("name").GetString()!,
                Level = 0,
                Geometry = area,
            });
        }
        await db.SaveChangesAsync();
    });

    /// <summary>The folder of this test source file (test inputs live beside the tests; the csproj does not copy them).</summary>
    internal static string Folder([System.Runtime.CompilerServices.CallerFilePath] string here = "") => Path.GetDirectoryName(here)!;
}
