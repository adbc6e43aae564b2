using Microsoft.AspNetCore.Http.HttpResults;
using Referral.Api.Features.Gaps;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Placements;

/// <summary>"Where should the next unit go?" — placements over demand datasets, and their exports. ★ not part of HSDS.</summary>
internal static class PlacementEndpoints
{
    public static IEndpointRouteBuilder MapPlacements(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/placements").WithTags("Placements");
        group.MapGet("/", ListPlacements).WithName("ListPlacements")
            .WithSummary("Placements, newest first (without their results)").RequireCors(Cors.PublicRead).ProducesValidationProblem();
        group.MapGet("/{id:guid}", GetPlacement).WithName("GetPlacement")
            .WithSummary("A placement: status and progress, then its results (the JSON export)")
            .WithDescription("While `status` is `queued` or `running` the answer carries `progress_percent`, `stage` and a `Retry-After` header; " +
                "once `succeeded` it carries `results`: the chosen sites in order with what each adds, the urban/rural figures before and after, " +
                "the rules (including which guarantee holds) and links to the CSV and GeoJSON exports.")
            .ProducesProblem(404).RequireCors(Cors.PublicRead);
        group.MapGet("/{id:guid}/sites.csv", ExportPlacementCsv).WithName("ExportPlacementCsv")
            .WithSummary("CSV: a row per chosen site, in pick order")
            .Produces<string>(200, "text/csv").ProducesProblem(404).ProducesProblem(409).RequireCors(Cors.PublicRead);
        group.MapGet("/{id:guid}/sites.geojson", ExportPlacementGeoJson).WithName("ExportPlacementGeoJson")
            .WithSummary("GeoJSON: the chosen sites as points, with the rules and the before/after figures")
            .Produces<string>(200, "application/geo+json").ProducesProblem(404).ProducesProblem(409).RequireCors(Cors.PublicRead);

        var writes = group.MapGroup("").RequireAuthorization(PlacementAccess.Policy);
        writes.MapPost("/", StartPlacement).WithName("StartPlacement")
            .WithSummary("Where should k new sites go? 201 with results when small; 202 + Location otherwise; 200 when the same inputs were placed before")
            .WithDescription("Body: `dataset` or `dataset_id`, `category` (in-person), `k` (1–50, default 3), `objective` (coverage|median), `target_km`, " +
                "`thresholds_km`, `candidates` (settlements|grid|points) with `cell_km` or `points`, `min_spacing_km`, `within_regions`, `reach_km` (median), " +
                "`travel_time` + `target_minutes`, `settlement_thresholds`, `age`/`language`/`gender`, `background`, `force`. Planners, editors and admins. " +
                "At most `Gaps:MaxActivePerOwner` (default 2) placements per owner may be queued or running at once: one more answers 429 TOO_MANY_ANALYSES. " +
                "Existing sites count as the gap analysis counts them: the placement runs (or reuses) the gap analysis of the category for its 'before'.")
            .Accepts<PlacementRequest>("application/json")
            .ProducesValidationProblem().ProducesProblem(413).ProducesProblem(415).ProducesProblem(429);
        // Owner-scoped like gap analyses: the organization (or the key without one) that started it, or an admin.
        writes.MapDelete("/{id:guid}", DeletePlacement).WithName("DeletePlacement")
            .WithSummary("Delete a finished placement (its owner or an admin)").ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    internal static async Task<Results<Ok<Page<PlacementDocument>>, ValidationProblem>> ListPlacements(
        [AsParameters] PlacementListQuery query, PlacementQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var page = PageRequest.From(query.Page, query.PerPage, errors, defaultSize: 20);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(await queries.ListAsync(query.DatasetId, page, ct));
    }

    internal static async Task<Results<Ok<PlacementDocument>, ProblemHttpResult>> GetPlacement(Guid id, PlacementQueries queries, HttpResponse response, CancellationToken ct)
    {
        if (await queries.FindAsync(id, ct) is not { } placement)
        {
            return Problems.NotFound("placement", id);
        }
        if (placement.Status is GapAnalysis.Queued or GapAnalysis.Running)
        {
            response.Headers.RetryAfter = "2";
        }
        return TypedResults.Ok(placement);
    }

    internal static async Task<Results<Ok<PlacementDocument>, Created<PlacementDocument>, Accepted<PlacementDocument>, ValidationProblem, ProblemHttpResult>> StartPlacement(
        HttpRequest request, PlacementService service, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<PlacementRequest>(request, JsonBody.DefaultLimit, ct);
        if (problem is not null)
        {
            return problem;
        }
        var start = await service.StartAsync(body!, GapRunMode.Auto, null, ct);
        var location = start.Placement?.Links.Self;
        switch (start.Status)
        {
            case GapStartStatus.Invalid:
                return Problems.Validation(start.Errors!);
            case GapStartStatus.TooMany:
                return Problems.Of(429, ErrorCodes.TooManyAnalyses, "Too many placements", start.Detail);
            case GapStartStatus.Cached:
                request.HttpContext.Response.Headers.ContentLocation = location;
                return TypedResults.Ok(start.Placement!);
            case GapStartStatus.Completed:
                return TypedResults.Created(location, start.Placement!);
            default:
                request.HttpContext.Response.Headers.RetryAfter = "2";
                return TypedResults.Accepted(location, start.Placement!);
        }
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeletePlacement(Guid id, PlacementService service, CancellationToken ct) =>
        await service.DeleteAsync(id, ct) switch
        {
            Demand.PlanningDelete.Deleted => TypedResults.NoContent(),
            Demand.PlanningDelete.Forbidden => Problems.Of(403, ErrorCodes.Forbidden, "Forbidden", "Only the placement's owner or an admin may delete it."),
            Demand.PlanningDelete.Running => Problems.Of(409, ErrorCodes.Conflict, "Still running", "The placement is still queued or running."),
            _ => Problems.NotFound("placement", id),
        };

    internal static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportPlacementCsv(Guid id, PlacementQueries queries, HttpResponse response, CancellationToken ct)
    {
        var (placement, problem) = await FinishedAsync(id, queries, ct);
        if (problem is not null)
        {
            return problem;
        }
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{PlacementExports.FileName(id, "csv")}\"";
        await using var writer = new StreamWriter(response.Body, GapExports.Utf8, leaveOpen: true);
        await PlacementExports.WriteCsvAsync(placement, writer, ct);
        await writer.FlushAsync(ct);
        return TypedResults.Empty;
    }

    internal static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportPlacementGeoJson(Guid id, PlacementQueries queries, HttpResponse response, CancellationToken ct)
    {
        var (placement, problem) = await FinishedAsync(id, queries, ct);
        if (problem is not null)
        {
            return problem;
        }
        response.ContentType = "application/geo+json";
        response.Headers.ContentDisposition = $"inline; filename=\"{PlacementExports.FileName(id, "geojson")}\"";
        await PlacementExports.WriteGeoJsonAsync(placement, response.Body, ct);
        return TypedResults.Empty;
    }

    private static async Task<(PlacementDocument Placement, ProblemHttpResult? Problem)> FinishedAsync(Guid id, PlacementQueries queries, CancellationToken ct)
    {
        var placement = await queries.FindAsync(id, ct);
        return placement switch
        {
            null => (null!, Problems.NotFound("placement", id)),
            { Status: GapAnalysis.Succeeded } => (placement, null),
            _ => (placement, Problems.Of(409, ErrorCodes.Conflict, "Not finished",
                $"The placement is {placement.Status}; exports are available once it has succeeded (GET {placement.Links.Self})."))
        };
    }
}
