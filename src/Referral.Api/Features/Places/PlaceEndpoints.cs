using Microsoft.AspNetCore.Http.HttpResults;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Places;

internal static class PlaceEndpoints
{
    public static IEndpointRouteBuilder MapPlaces(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/places").WithTags("Places").RequireCors(Cors.PublicRead)
            .MapGet("/", SearchPlaces).WithName("SearchPlaces")
            .WithSummary("Search the gazetteer (GeoNames towns) by name: accent-insensitive, prefix and typo tolerant, larger towns first; a page envelope")
            .ProducesValidationProblem();
        return app;
    }

    internal static async Task<Results<Ok<Page<PlaceDocument>>, ValidationProblem>> SearchPlaces(
        [AsParameters] PlaceQuery query, PlaceQueries places, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var q = errors.Text("q", query.Q, Limits.Short, required: true);
        var country = query.Country?.Trim().ToUpperInvariant();
        if (country is not null && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
        {
            errors.Add("country", "must be an ISO 3166-1 alpha-2 code such as CR.");
        }
        var limit = Referrals.FilterParser.Limit(query.PerPage ?? query.Limit, 10, errors);
        var paging = new Dictionary<string, string[]>();
        var page = PageRequest.From(query.Page, limit, paging);
        foreach (var (field, messages) in paging)
        {
            errors.Add(field, messages[0]);
        }
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        return TypedResults.Ok(await places.SearchPageAsync(q!, country, page with { Size = limit }, count: true, ct));
    }
}
