using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Referral.Api.Features.Demand;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

/// <summary>"Where is help missing?" — gap analyses over demand datasets, and their exports. ★ not part of HSDS.</summary>
internal static class GapEndpoints
{
    /// <summary>Maps the gap analyses and their inputs (demand datasets, region import).</summary>
    public static IEndpointRouteBuilder MapGaps(this IEndpointRouteBuilder app)
    {
        app.MapDemand();
        var group = app.MapGroup("/api/gap_analyses").WithTags("Gap analysis");
        group.MapGet("/", ListGapAnalyses).WithName("ListGapAnalyses")
            .WithSummary("Gap analyses, newest first (without their results)").RequireCors(Cors.PublicRead).ProducesValidationProblem();
        group.MapGet("/{id:guid}", GetGapAnalysis).WithName("GetGapAnalysis")
            .WithSummary("An analysis: status and progress (percent), then its results")
            .WithDescription("While `status` is `queued` or `running` the answer carries `progress_percent`, `stage` and a `Retry-After` header; " +
                "once `succeeded` it carries `results` (rules, totals, urban/rural summary per category, region × class × category groups) " +
                "and links to the CSV and GeoJSON exports. Public: results are computed from what the public may see (hidden sites never, " +
                "approximate ones from their generalised point). The headlines and the note on borders are in the language of " +
                "`language` or `Accept-Language` (en, es, pt, fr).")
            .ProducesProblem(404).RequireCors(Cors.PublicRead);
        group.MapGet("/{id:guid}/table.csv", ExportGapTable).WithName("ExportGapTable")
            .WithSummary("CSV: a row per region × settlement class × category (rollups marked 'all')")
            .Produces<string>(200, "text/csv").ProducesProblem(404).ProducesProblem(409).RequireCors(Cors.PublicRead);
        group.MapGet("/{id:guid}/points.geojson", ExportGapPoints).WithName("ExportGapPoints")
            .WithSummary("GeoJSON: every settlement with its distance, coverage and 2SFCA score per category (QGIS-ready)")
            .Produces<string>(200, "application/geo+json").ProducesProblem(404).ProducesProblem(409).RequireCors(Cors.PublicRead);
        group.MapGet("/{id:guid}/regions.geojson", ExportGapRegions).WithName("ExportGapRegions")
            .WithSummary("GeoJSON: every region (outline when known) with its figures per category (choropleth-ready)")
            .Produces<string>(200, "application/geo+json").ProducesProblem(404).ProducesProblem(409).RequireCors(Cors.PublicRead);

        var writes = group.MapGroup("").RequireAuthorization(Authorization.PlanningPolicy);
        writes.MapPost("/", StartGapAnalysis).WithName("StartGapAnalysis")
            .WithSummary("Start an analysis: 202 + Location (poll it); 201 with results when small; 200 when the same inputs were analysed before")
            .WithDescription("Body: `dataset` (name) or `dataset_id`, `categories` (default: every category), `thresholds_km`, `catchment_km`, " +
                "`decay` (none|gaussian|e2sfca), `target_km`, `target_share`, `worst_n`, `region_level`, `settlement_thresholds`, `travel_time`, " +
                "`age`/`language`/`gender`, `background`, `force`. Planner, editor or admin; the analysis belongs to the caller's organization " +
                "(or its key when it has none). When a finished analysis has the same input hash (dataset version, options, directory and " +
                "regions), it is returned with 200 instead of being recomputed. An analysis computed inside the request is cancelled when the " +
                "client goes away. At most `Gaps:MaxActivePerOwner` (default 2) analyses per owner may be queued or running at once: one " +
                "more answers 429 TOO_MANY_ANALYSES.")
            .Accepts<GapAnalysisRequest>("application/json")
            .ProducesValidationProblem().ProducesProblem(413).ProducesProblem(415).ProducesProblem(429);
        writes.MapPost("/{id:guid}/cancel", CancelGapAnalysis).WithName("CancelGapAnalysis")
            .WithSummary("Cancel a queued or running analysis (its owner or an admin); it ends failed, without partial results")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        writes.MapDelete("/{id:guid}", DeleteGapAnalysis).WithName("DeleteGapAnalysis")
            .WithSummary("Delete a finished analysis and its per-settlement results (its owner or an admin; cancel a running one first)")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    internal static async Task<Results<Ok<Page<GapAnalysisDocument>>, ValidationProblem>> ListGapAnalyses(
        [AsParameters] GapAnalysisListQuery query, GapQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var page = PageRequest.From(query.Page, query.PerPage, errors, defaultSize: 20);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(await queries.ListAsync(query.DatasetId, page, ct));
    }

    internal static async Task<Results<Ok<GapAnalysisDocument>, ValidationProblem, ProblemHttpResult>> GetGapAnalysis(
        Guid id, GapQueries queries, HttpResponse response, CancellationToken ct,
        [FromQuery(Name = "language")][Description("The language of the headlines and the note on borders: en, es, pt or fr (default: the best of Accept-Language, else English). Figures and codes never change.")] string? language = null)
    {
        // The response language itself is set from it by ResponseLanguage; here only a language it cannot be is refused.
        if (language is not null && !ResponseLanguage.Supported.Contains(language.ToLowerInvariant()))
        {
            return Problems.Validation("language", Texts.Get("NotOneOf", FieldErrors.Clip(language), string.Join(", ", ResponseLanguage.Supported)));
        }
        if (await queries.FindAsync(id, withResults: true, ct) is not { } analysis)
        {
            return Problems.NotFound("gap analysis", id);
        }
        if (analysis.Status is GapAnalysis.Queued or GapAnalysis.Running)
        {
            response.Headers.RetryAfter = "2";
        }
        return TypedResults.Ok(analysis);
    }

    internal static async Task<Results<Ok<GapAnalysisDocument>, Created<GapAnalysisDocument>, Accepted<GapAnalysisDocument>, ValidationProblem, ProblemHttpResult>> StartGapAnalysis(
        HttpRequest request, GapService service, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<GapAnalysisRequest>(request, JsonBody.DefaultLimit, ct);
        if (problem is not null)
        {
            return problem;
        }
        var start = await service.StartAsync(body!, GapRunMode.Auto, null, ct);
        var location = start.Analysis is { } a ? a.Links.Self : null;
        switch (start.Status)
        {
            case GapStartStatus.Invalid:
                return Problems.Validation(start.Errors!);
            case GapStartStatus.TooMany:
                return Problems.Of(429, ErrorCodes.TooManyAnalyses, "Too many analyses", start.Detail);
            case GapStartStatus.Cached:
                request.HttpContext.Response.Headers.ContentLocation = location;
                return TypedResults.Ok(start.Analysis!);
            case GapStartStatus.Completed:
                return TypedResults.Created(location, start.Analysis!);
            default:
                request.HttpContext.Response.Headers.RetryAfter = "2";
                return TypedResults.Accepted(location, start.Analysis!);
        }
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteGapAnalysis(Guid id, GapService service, CancellationToken ct) =>
        await service.DeleteAsync(id, ct) switch
        {
            PlanningDelete.Deleted => TypedResults.NoContent(),
            PlanningDelete.Forbidden => Problems.Of(403, ErrorCodes.Forbidden, "Forbidden", "Only the analysis's owner or an admin may delete it."),
            PlanningDelete.Running => Problems.Of(409, ErrorCodes.Conflict, "Still running",
                $"The analysis is still queued or running; cancel it first (POST /api/gap_analyses/{id}/cancel)."),
            _ => Problems.NotFound("gap analysis", id),
        };

    internal static async Task<Results<Ok<GapAnalysisDocument>, ProblemHttpResult>> CancelGapAnalysis(
        Guid id, GapService service, GapQueries queries, CancellationToken ct) =>
        await service.CancelAsync(id, ct) switch
        {
            GapCancel.Cancelled => TypedResults.Ok((await queries.FindAsync(id, withResults: false, ct))!),
            GapCancel.Forbidden => Problems.Of(403, ErrorCodes.Forbidden, "Forbidden", "Only the analysis's owner or an admin may cancel it."),
            GapCancel.Finished => Problems.Of(409, ErrorCodes.Conflict, "Finished", "The analysis has already finished; there is nothing to cancel."),
            _ => Problems.NotFound("gap analysis", id),
        };

    internal static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportGapTable(Guid id, GapQueries queries, HttpResponse response, CancellationToken ct)
    {
        var (analysis, problem) = await FinishedAsync(id, queries, ct);
        if (problem is not null)
        {
            return problem;
        }
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{GapExports.TableFileName(id)}\"";
        await using var writer = new StreamWriter(response.Body, GapExports.Utf8, leaveOpen: true);
        await GapExports.WriteTableAsync(analysis, writer, ct);
        await writer.FlushAsync(ct);
        return TypedResults.Empty;
    }

    internal static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportGapPoints(
        Guid id, GapQueries queries, GapExports exports, HttpResponse response, CancellationToken ct)
    {
        var (analysis, problem) = await FinishedAsync(id, queries, ct);
        if (problem is not null)
        {
            return problem;
        }
        response.ContentType = "application/geo+json";
        response.Headers.ContentDisposition = $"inline; filename=\"gap-points-{id:N}.geojson\"";
        await exports.WritePointsAsync(analysis, response.Body, ct);
        return TypedResults.Empty;
    }

    internal static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportGapRegions(
        Guid id, GapQueries queries, GapExports exports, HttpResponse response, CancellationToken ct)
    {
        var (analysis, problem) = await FinishedAsync(id, queries, ct);
        if (problem is not null)
        {
            return problem;
        }
        response.ContentType = "application/geo+json";
        response.Headers.ContentDisposition = $"inline; filename=\"gap-regions-{id:N}.geojson\"";
        await exports.WriteRegionsAsync(analysis, response.Body, ct);
        return TypedResults.Empty;
    }

    /// <summary>The analysis with its results, or the problem when it does not exist or has not succeeded yet.</summary>
    private static async Task<(GapAnalysisDocument Analysis, ProblemHttpResult? Problem)> FinishedAsync(Guid id, GapQueries queries, CancellationToken ct)
    {
        var analysis = await queries.FindAsync(id, withResults: true, ct);
        return analysis switch
        {
            null => (null!, Problems.NotFound("gap analysis", id)),
            { Status: GapAnalysis.Succeeded } => (analysis, null),
            _ => (analysis, Problems.Of(409, ErrorCodes.Conflict, "Not finished",
                $"The analysis is {analysis.Status}; exports are available once it has succeeded (GET {analysis.Links.Self})."))
        };
    }
}
