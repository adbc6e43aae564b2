using Microsoft.AspNetCore.Http.HttpResults;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Regions;

internal static class RegionEndpoints
{
    public static IEndpointRouteBuilder MapRegions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/regions").WithTags("Regions").RequireCors(Cors.PublicRead);
        group.MapGet("/", ListRegions).WithName("ListRegions").WithSummary("Regions (countries, provinces, planning areas)").ProducesValidationProblem();
        group.MapGet("/{code}", GetRegion).WithName("GetRegion").WithSummary("One region by code, with its outline as GeoJSON");
        return app;
    }

    internal static async Task<Results<Ok<List<RegionDocument>>, ValidationProblem>> ListRegions([AsParameters] RegionListQuery query, RegionQueries regions, CancellationToken ct) =>
        query.Simplify is { } s && !(s >= 0.001 && s <= 1)
            ? Problems.Validation("simplify", "must be a tolerance in degrees between 0.001 and 1.")
            : TypedResults.Ok(await regions.ListAsync(query.Level, query.ParentCode?.Trim().ToUpperInvariant(), query.WithGeometry == true, query.Simplify, ct));

    internal static async Task<Results<Ok<RegionDocument>, ProblemHttpResult>> GetRegion(string code, RegionQueries regions, CancellationToken ct) =>
        code.Length <= Limits.Code && await regions.FindAsync(code.Trim().ToUpperInvariant(), ct) is { } r
            ? TypedResults.Ok(r)
            : Problems.Of(404, ErrorCodes.NotFound, "Not found", $"No region with code '{FieldErrors.Clip(code)}'.");
}
