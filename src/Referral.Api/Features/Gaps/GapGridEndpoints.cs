using System.ComponentModel;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

internal sealed record GapGridQuery(
    [property: Description("Cell size in km (1 to 500; default 20): the distance across a hexagon's flats, or a square's side.")][FromQuery(Name = "cell_km")] double? CellKm = null,
    [property: Description("hexagon (default) or square.")][FromQuery(Name = "shape")] string? Shape = null);

/// <summary>
/// A choropleth for every country, outlines or not: the analysis's settlements summed into a regular grid of hexagons or
/// squares (PostGIS <c>ST_HexagonGrid</c> / <c>ST_SquareGrid</c> in Web Mercator, the cell scaled by 1 / cos(latitude) so it
/// is about <c>cell_km</c> across on the ground), with per category the same figures as the regions export. ★ not HSDS.
/// </summary>
internal static class GapGridEndpoints
{
    public static IEndpointRouteBuilder MapGapGrid(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/gap_analyses/{id:guid}/grid.geojson", ExportGapGrid).WithTags("Gap analysis").WithName("ExportGapGrid")
            .WithSummary("GeoJSON: the settlements summed into a hexagon or square grid, with figures per category (a choropleth where regions have no outline)")
            .Produces<string>(200, "application/geo+json").ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409)
            .RequireCors(Cors.PublicRead);
        return app;
    }

    internal static async Task<Results<EmptyHttpResult, ValidationProblem, ProblemHttpResult>> ExportGapGrid(
        Guid id, [AsParameters] GapGridQuery query, GapQueries queries, ReferralDbContext db, HttpResponse response, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var cellKm = query.CellKm ?? 20;
        if (!double.IsFinite(cellKm) || cellKm is < 1 or > 500)
        {
            errors.Add("cell_km", "must be between 1 and 500.");
        }
        var shape = query.Shape?.Trim().ToLowerInvariant() ?? "hexagon";
        if (shape is not ("hexagon" or "square"))
        {
            errors.Add("shape", "must be hexagon or square.");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var analysis = await queries.FindAsync(id, withResults: false, ct);
        if (analysis is null)
        {
            return Problems.NotFound("gap analysis", id);
        }
        if (analysis.Status != GapAnalysis.Succeeded)
        {
            return Problems.Of(409, ErrorCodes.Conflict, "Not finished",
                $"The analysis is {analysis.Status}; exports are available once it has succeeded (GET {analysis.Links.Self}).");
        }

        var cells = await ReadCellsAsync(db, id, cellKm, shape, analysis.Options.Categories.Length, ct);
        response.ContentType = "application/geo+json";
        response.Headers.ContentDisposition = $"inline; filename=\"gap-grid-{id:N}.geojson\"";
        await WriteAsync(response.Body, analysis, cells, cellKm, shape, ct);
        return TypedResults.Empty;
    }

    private sealed class Cell(string geometry)
    {
        public string Geometry { get; } = geometry;
        public int Settlements { get; set; }
        public long? Population { get; set; }
        public List<(double Weight, bool Urban, bool Rural, double?[] Distance, bool[] Covered)> Points { get; } = [];
    }

    private static async Task<List<(int I, int J, Cell Cell)>> ReadCellsAsync(
        ReferralDbContext db, Guid id, double cellKm, string shape, int categories, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // Each settlement's own cell comes from the grid over its own tiny envelope: the grids are anchored at the
            // origin, so cells from different calls line up and share their i, j.
            await using var cmd = new NpgsqlCommand($"""
                WITH p AS (
                    SELECT ST_Transform(d.point::geometry, 3857) AS g, ST_Y(d.point::geometry) AS lat, r.population, r.settlement_class,
                           r.distance_m, r.covered
                    FROM gap_point_result r JOIN demand_point d ON d.id = r.demand_point_id
                    WHERE r.analysis_id = @analysis),
                s AS (SELECT @km * 1000 / greatest(cos(radians(avg(lat))), 0.05) AS size FROM p)
                SELECT c.i, c.j, ST_AsGeoJSON(ST_Transform(c.geom, 4326), 5), p.population, p.settlement_class, p.distance_m, p.covered
                FROM p CROSS JOIN s
                CROSS JOIN LATERAL (
                    SELECT h.i, h.j, h.geom FROM {(shape == "square" ? "ST_SquareGrid" : "ST_HexagonGrid")}(s.size, ST_Expand(p.g, 1)) AS h
                    WHERE ST_Intersects(h.geom, p.g) ORDER BY h.i, h.j LIMIT 1) AS c
                WHERE abs(p.lat) < 85
                """, connection);
            cmd.CommandTimeout = 0;
            cmd.Parameters.Add(new NpgsqlParameter<Guid>("analysis", id));
            cmd.Parameters.Add(new NpgsqlParameter<double>("km", cellKm));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var cells = new Dictionary<(int, int), Cell>();
            var order = new List<(int I, int J, Cell Cell)>();
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetInt32(0), reader.GetInt32(1));
                if (!cells.TryGetValue(key, out var cell))
                {
                    cells[key] = cell = new Cell(reader.GetString(2));
                    order.Add((key.Item1, key.Item2, cell));
                }
                long? population = reader.IsDBNull(3) ? null : reader.GetInt64(3);
                var cls = reader.GetString(4);
                cell.Settlements++;
                if (population is { } pop)
                {
                    cell.Population = (cell.Population ?? 0) + pop;
                }
                var distance = reader.GetFieldValue<double?[]>(5);
                var covered = reader.GetFieldValue<bool[]>(6);
                cell.Points.Add((population ?? 1, cls is GapClasses.UrbanCentre or GapClasses.UrbanCluster, cls == GapClasses.Rural,
                    distance.Length == categories ? distance : new double?[categories], covered.Length == categories ? covered : new bool[categories]));
            }
            return order;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task WriteAsync(Stream output, GapAnalysisDocument analysis, List<(int I, int J, Cell Cell)> cells, double cellKm, string shape, CancellationToken ct)
    {
        var o = analysis.Options;
        var pipe = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));
        await using var json = new Utf8JsonWriter(pipe, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteString("name", $"gap_grid_{analysis.Id:N}");
        json.WriteStartObject("grid");
        json.WriteString("shape", shape);
        json.WriteNumber("cell_km", cellKm);
        json.WriteString("rule", "Settlements summed into cells of about cell_km on the ground (Web Mercator cells scaled by 1 / cos of the mean " +
            "latitude); weights are population (1 per settlement without); mean distance over settlements with a site; served = within target_km " +
            "or, for area-served categories, inside a service area; gap = served share below target_share.");
        json.WriteEndObject();
        json.WriteStartArray("features");
        foreach (var (i, j, cell) in cells)
        {
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteString("id", $"{i}:{j}");
            json.WritePropertyName("geometry");
            json.WriteRawValue(cell.Geometry, skipInputValidation: true);
            json.WriteStartObject("properties");
            json.WriteString("cell", $"{i}:{j}");
            json.WriteNumber("settlements", cell.Settlements);
            if (cell.Population is { } population)
            {
                json.WriteNumber("population", population);
            }
            else
            {
                json.WriteNull("population");
            }
            for (var k = 0; k < o.Categories.Length; k++)
            {
                var c = o.Categories[k];
                var area = o.IsArea(c);
                double served = 0, total = 0;
                foreach (var p in cell.Points)
                {
                    total += p.Weight;
                    if ((p.Distance[k] is { } d && d <= o.TargetKm * 1000) || (area && p.Covered[k]))
                    {
                        served += p.Weight;
                    }
                }
                var share = total > 0 ? served / total : (double?)null;
                var mean = Mean(cell.Points, k, _ => true);
                var urban = Mean(cell.Points, k, p => p.Urban);
                var rural = Mean(cell.Points, k, p => p.Rural);
                Number(json, $"{c}_mean_distance_m", mean);
                Number(json, $"{c}_served_share", share is { } s ? Math.Round(s, 4) : null);
                if (share is { } sh)
                {
                    json.WriteBoolean($"{c}_gap", sh < o.TargetShare);
                }
                else
                {
                    json.WriteNull($"{c}_gap");
                }
                Number(json, $"{c}_urban_mean_distance_m", urban);
                Number(json, $"{c}_rural_mean_distance_m", rural);
                Number(json, $"{c}_rural_urban_ratio", GapAggregator.Ratio(rural, urban));
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
        await pipe.CompleteAsync();
    }

    private static double? Mean(List<(double Weight, bool Urban, bool Rural, double?[] Distance, bool[] Covered)> points, int k,
        Func<(double Weight, bool Urban, bool Rural, double?[] Distance, bool[] Covered), bool> include)
    {
        double sum = 0, weight = 0;
        foreach (var p in points)
        {
            if (include(p) && p.Distance[k] is { } d)
            {
                sum += p.Weight * d;
                weight += p.Weight;
            }
        }
        return weight > 0 ? Math.Round(sum / weight, 1) : null;
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
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
}
