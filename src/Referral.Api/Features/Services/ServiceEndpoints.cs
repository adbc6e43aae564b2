using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Services;

internal static class ServiceEndpoints
{
    public static RouteGroupBuilder MapServices(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/services").WithTags("Services");

        group.MapGet("/", ListServices).WithName("ListServices")
            .WithSummary("Services, paged (HSDS 3.1 /services)").RequireCors(Cors.PublicRead)
            .ProducesValidationProblem();
        group.MapGet("/{id:guid}", GetService).WithName("GetService")
            .WithSummary("One service, fully nested (HSDS 3.1 /services/{id})").RequireCors(Cors.PublicRead);

        var writes = group.MapGroup("").RequireAuthorization(Authorization.WritePolicy);
        writes.MapPost("/", CreateService).WithName("CreateService")
            .WithSummary("Create a service from a nested HSDS document")
            .Accepts<ServiceDocument>("application/json")
            .ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);
        writes.MapPut("/{id:guid}", ReplaceService).WithName("ReplaceService")
            .WithSummary("Replace (or create) a service; honours If-Match")
            .Accepts<ServiceDocument>("application/json")
            .ProducesValidationProblem().ProducesProblem(409).ProducesProblem(412).ProducesProblem(413).ProducesProblem(415);
        writes.MapDelete("/{id:guid}", DeleteService).WithName("DeleteService")
            .WithSummary("Delete a service with its phones, schedules, areas and links; unused locations go too")
            .ProducesProblem(404).ProducesProblem(412);
        return group;
    }

    internal static async Task<Results<Ok<Page<ServiceDocument>>, ValidationProblem, Exports.NdjsonResult>> ListServices(
        [AsParameters] ServiceListQuery query, ServiceQueries queries, Exports.ExportQueries exports, Access.ActorContext actor, TimeProvider clock,
        CancellationToken ct,
        [FromQuery(Name = "format")][Description("json (default) or ndjson: every match, one per line, no paging (HSDS API reference).")] string? format = null,
        [FromQuery(Name = "full")][Description("Fully nested service documents (as GET /api/services/{id}) instead of list items; with format=ndjson too (HSDS 3.1).")] bool? full = null,
        [FromQuery(Name = "minimal")][Description("Only the services' own fields: no nested organization, languages or categories (HSDS 3.1).")] bool? minimal = null)
    {
        var errors = new Dictionary<string, string[]>();
        var ndjson = Exports.NdjsonResult.Requested(format, out var formatError);
        if (formatError is not null)
        {
            errors["format"] = [formatError];
        }
        if (minimal == true && full == true)
        {
            errors["minimal"] = ["cannot be combined with full=true."];
        }
        if (!Postcodes.IsValid(query.Postcode))
        {
            errors["postcode"] = [Postcodes.Rule];
        }
        var page = PageRequest.From(query.Page, query.PerPage, errors);
        if (SearchText.Problem(query.Search) is { } searchProblem)
        {
            errors["search"] = [searchProblem];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        if (ndjson)
        {
            return Exports.NdjsonLists.Services(query, full == true, exports, actor, clock);
        }
        var shape = full == true ? ServiceListShape.Full : minimal == true ? ServiceListShape.Minimal : ServiceListShape.Summary;
        return TypedResults.Ok(await queries.ListAsync(query, page, ct, shape));
    }

    internal static async Task<Results<Ok<ServiceDocument>, ProblemHttpResult>> GetService(
        Guid id, ServiceQueries queries, HttpResponse response, CancellationToken ct)
    {
        if (await queries.FindAsync(id, ct) is not { } found)
        {
            return Problems.NotFound("service", id);
        }
        Etags.Set(response, found.ETag);
        return TypedResults.Ok(found.Document);
    }

    internal static async Task<Results<Created<ServiceDocument>, ValidationProblem, ProblemHttpResult>> CreateService(
        HttpRequest request, ServiceWriter writer, ServiceQueries queries, CancellationToken ct)
    {
        var (doc, problem) = await JsonBody.ReadAsync<ServiceDocument>(request, BodyLimit, ct);
        if (problem is not null)
        {
            return problem;
        }
        ServiceDocument? saved = null;
        var outcome = await writer.CreateAsync(doc!, ct, async (id, token) => saved = await ReloadAsync(id, queries, request.HttpContext.Response, token));
        if (outcome.Status == WriteStatus.Invalid)
        {
            return Problems.Validation(outcome.Errors ?? []);
        }
        if (outcome.Status != WriteStatus.Created)
        {
            return Failure(outcome);
        }
        return TypedResults.Created($"/api/services/{outcome.Id}", saved!);
    }

    internal static async Task<Results<Ok<ServiceDocument>, Created<ServiceDocument>, ValidationProblem, ProblemHttpResult>> ReplaceService(
        Guid id, HttpRequest request, ServiceWriter writer, ServiceQueries queries, CancellationToken ct)
    {
        var (doc, problem) = await JsonBody.ReadAsync<ServiceDocument>(request, BodyLimit, ct);
        if (problem is not null)
        {
            return problem;
        }
        ServiceDocument? saved = null;
        var outcome = await writer.ReplaceAsync(id, doc!, v => Etags.Matches(request, v), ct,
            async (_, token) => saved = await ReloadAsync(id, queries, request.HttpContext.Response, token));
        if (outcome.Status == WriteStatus.Invalid)
        {
            return Problems.Validation(outcome.Errors ?? []);
        }
        if (outcome.Status is not (WriteStatus.Created or WriteStatus.Updated))
        {
            return Failure(outcome);
        }
        return outcome.Status == WriteStatus.Created ? TypedResults.Created($"/api/services/{id}", saved!) : TypedResults.Ok(saved!);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteService(
        Guid id, HttpRequest request, ServiceWriter writer, CancellationToken ct)
    {
        var outcome = await writer.DeleteAsync(id, v => Etags.Matches(request, v), ct);
        return outcome.Status == WriteStatus.Deleted ? TypedResults.NoContent() : Failure(outcome);
    }

    // Service documents may carry service-area polygons, so they get a larger body limit than other writes.
    private const long BodyLimit = 4 * JsonBody.DefaultLimit;

    private static async Task<ServiceDocument> ReloadAsync(Guid id, ServiceQueries queries, HttpResponse response, CancellationToken ct)
    {
        var found = await queries.FindAsync(id, ct) ?? throw new InvalidOperationException($"Service {id} vanished after it was written.");
        Etags.Set(response, found.ETag);
        return found.Document;
    }

    internal static ProblemHttpResult Failure(WriteOutcome outcome) => outcome.Status switch
    {
        WriteStatus.NotFound => Problems.NotFound("service", outcome.Id),
        WriteStatus.PreconditionFailed => Problems.Of(412, ErrorCodes.PreconditionFailed, "Precondition failed",
            $"If-Match does not match the current version {Etags.For(outcome.Version)}; reload the record and try again."),
        WriteStatus.Conflict => Problems.Of(409, ErrorCodes.Conflict, "Conflict", outcome.Detail),
        WriteStatus.InUse => Problems.Of(409, ErrorCodes.InUse, "In use", outcome.Detail),
        WriteStatus.Forbidden => Problems.Of(403, ErrorCodes.Forbidden, "Forbidden", outcome.Detail),
        _ => Problems.Of(400, ErrorCodes.BadRequest, "Bad request", outcome.Detail),
    };
}
