using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Referral.Api.Features.Referrals;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.ServiceAtLocations;

internal static class ServiceAtLocationEndpoints
{
    public static RouteGroupBuilder MapServiceAtLocations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/service_at_locations").WithTags("Service at locations").RequireCors(Cors.PublicRead);
        group.MapGet("/", ListServiceAtLocations).WithName("ListServiceAtLocations")
            .WithSummary("Services at their locations, paged (HSDS 3.1 /service_at_locations)");
        group.MapGet("/{id:guid}", GetServiceAtLocation).WithName("GetServiceAtLocation")
            .WithSummary("One service at a location (HSDS 3.1 /service_at_locations/{id})");
        return group;
    }

    internal static async Task<Results<Ok<Page<ServiceAtLocationDocument>>, ValidationProblem, Exports.NdjsonResult>> ListServiceAtLocations(
        [AsParameters] ServiceAtLocationListQuery query, ServiceAtLocationQueries queries, CancellationToken ct,
        [FromQuery(Name = "format")][Description("json (default) or ndjson: every match, one per line, no paging (HSDS API reference).")] string? format = null)
    {
        var errors = new Dictionary<string, string[]>();
        var ndjson = Exports.NdjsonResult.Requested(format, out var formatError);
        if (formatError is not null)
        {
            errors["format"] = [formatError];
        }
        var page = PageRequest.From(query.Page, query.PerPage, errors);
        if (!Services.Postcodes.IsValid(query.Postcode))
        {
            errors["postcode"] = [Services.Postcodes.Rule];
        }
        if (SearchText.Problem(query.Search) is { } searchProblem)
        {
            errors["search"] = [searchProblem];
        }
        var fields = new FieldErrors();
        var origin = query.Lat is null && query.Lng is null ? null : FilterParser.Origin(query.Lat, query.Lng, fields);
        if (query.Proximity is not null && query.Lat is null && query.Lng is null)
        {
            fields.Add("proximity", "needs lat and lng.");
        }
        FilterParser.MaxDistance(query.Proximity, "proximity", fields);
        foreach (var (field, messages) in fields.ToDictionary())
        {
            errors[field] = messages;
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        return ndjson ? Exports.NdjsonLists.ServiceAtLocations(query, origin, queries) : TypedResults.Ok(await queries.ListAsync(query, origin, page, ct));
    }

    internal static async Task<Results<Ok<ServiceAtLocationDocument>, ProblemHttpResult>> GetServiceAtLocation(
        Guid id, ServiceAtLocationQueries queries, CancellationToken ct) =>
        await queries.FindAsync(id, ct) is { } found ? TypedResults.Ok(found) : Problems.NotFound("service_at_location", id);
}
