using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Organizations;

internal static class OrganizationEndpoints
{
    public static RouteGroupBuilder MapOrganizations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/organizations").WithTags("Organizations");
        group.MapGet("/", ListOrganizations).WithName("ListOrganizations")
            .WithSummary("Organizations, paged (HSDS 3.1 /organizations)").RequireCors(Cors.PublicRead);
        group.MapGet("/{id:guid}", GetOrganization).WithName("GetOrganization")
            .WithSummary("One organization (HSDS 3.1 /organizations/{id})").RequireCors(Cors.PublicRead);

        var writes = group.MapGroup("").RequireAuthorization(Authorization.WritePolicy);
        writes.MapPost("/", CreateOrganization).WithName("CreateOrganization").WithSummary("Create an organization")
            .Accepts<OrganizationDocument>("application/json").ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);
        writes.MapPut("/{id:guid}", ReplaceOrganization).WithName("ReplaceOrganization").WithSummary("Replace (or create) an organization; honours If-Match")
            .Accepts<OrganizationDocument>("application/json").ProducesProblem(412).ProducesProblem(413).ProducesProblem(415);
        writes.MapDelete("/{id:guid}", DeleteOrganization).WithName("DeleteOrganization")
            .WithSummary("Delete an organization that has no services (409 IN_USE otherwise)");
        return group;
    }

    internal static async Task<Results<Ok<Page<OrganizationDocument>>, ValidationProblem, Exports.NdjsonResult>> ListOrganizations(
        [AsParameters] OrganizationListQuery query, OrganizationQueries queries, Exports.ExportQueries exports, CancellationToken ct,
        [FromQuery(Name = "format")][Description("json (default) or ndjson: every match, one per line, no paging (HSDS API reference).")] string? format = null)
    {
        var errors = new Dictionary<string, string[]>();
        var ndjson = Exports.NdjsonResult.Requested(format, out var formatError);
        if (formatError is not null)
        {
            errors["format"] = [formatError];
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
        return ndjson ? Exports.NdjsonLists.Organizations(query, exports) : TypedResults.Ok(await queries.ListAsync(query, page, ct));
    }

    internal static async Task<Results<Ok<OrganizationDocument>, ProblemHttpResult>> GetOrganization(
        Guid id, OrganizationQueries queries, HttpResponse response, CancellationToken ct)
    {
        if (await queries.FindAsync(id, ct) is not { } found)
        {
            return Problems.NotFound("organization", id);
        }
        Etags.Set(response, found.Version);
        return TypedResults.Ok(found.Document);
    }

    internal static async Task<Results<Created<OrganizationDocument>, ValidationProblem, ProblemHttpResult>> CreateOrganization(
        HttpRequest request, OrganizationWriter writer, OrganizationQueries queries, CancellationToken ct)
    {
        var (doc, problem) = await JsonBody.ReadAsync<OrganizationDocument>(request, JsonBody.DefaultLimit, ct);
        if (problem is not null)
        {
            return problem;
        }
        var outcome = await writer.CreateAsync(doc!, ct);
        if (outcome.Status == WriteStatus.Invalid)
        {
            return Problems.Validation(outcome.Errors ?? []);
        }
        if (outcome.Status != WriteStatus.Created)
        {
            return Failure(outcome);
        }
        return TypedResults.Created($"/api/organizations/{outcome.Id}", await ReloadAsync(outcome.Id, queries, request.HttpContext.Response, ct));
    }

    internal static async Task<Results<Ok<OrganizationDocument>, Created<OrganizationDocument>, ValidationProblem, ProblemHttpResult>> ReplaceOrganization(
        Guid id, HttpRequest request, OrganizationWriter writer, OrganizationQueries queries, CancellationToken ct)
    {
        var (doc, problem) = await JsonBody.ReadAsync<OrganizationDocument>(request, JsonBody.DefaultLimit, ct);
        if (problem is not null)
        {
            return problem;
        }
        var outcome = await writer.ReplaceAsync(id, doc!, v => Etags.Matches(request, v), ct);
        if (outcome.Status == WriteStatus.Invalid)
        {
            return Problems.Validation(outcome.Errors ?? []);
        }
        if (outcome.Status is not (WriteStatus.Created or WriteStatus.Updated))
        {
            return Failure(outcome);
        }
        var saved = await ReloadAsync(id, queries, request.HttpContext.Response, ct);
        return outcome.Status == WriteStatus.Created ? TypedResults.Created($"/api/organizations/{id}", saved) : TypedResults.Ok(saved);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteOrganization(
        Guid id, HttpRequest request, OrganizationWriter writer, CancellationToken ct)
    {
        var outcome = await writer.DeleteAsync(id, v => Etags.Matches(request, v), ct);
        return outcome.Status == WriteStatus.Deleted ? TypedResults.NoContent() : Failure(outcome);
    }

    private static async Task<OrganizationDocument> ReloadAsync(Guid id, OrganizationQueries queries, HttpResponse response, CancellationToken ct)
    {
        var found = await queries.FindAsync(id, ct) ?? throw new InvalidOperationException($"Organization {id} vanished after it was written.");
        Etags.Set(response, found.Version);
        return found.Document;
    }

    private static ProblemHttpResult Failure(WriteOutcome outcome) => outcome.Status == WriteStatus.NotFound
        ? Problems.NotFound("organization", outcome.Id)
        : ServiceEndpoints.Failure(outcome);
}
