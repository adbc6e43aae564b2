using Microsoft.AspNetCore.Http.HttpResults;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Taxonomy;

internal static class TaxonomyEndpoints
{
    public static IEndpointRouteBuilder MapTaxonomies(this IEndpointRouteBuilder app)
    {
        var taxonomies = app.MapGroup("/api/taxonomies").WithTags("Taxonomies").RequireCors(Cors.PublicRead);
        taxonomies.MapGet("/", ListTaxonomies).WithName("ListTaxonomies").WithSummary("Taxonomies, paged (HSDS 3.1 /taxonomies)");
        taxonomies.MapGet("/{id:guid}", GetTaxonomy).WithName("GetTaxonomy").WithSummary("One taxonomy (HSDS 3.1 /taxonomies/{id})");

        var terms = app.MapGroup("/api/taxonomy_terms").WithTags("Taxonomies").RequireCors(Cors.PublicRead);
        terms.MapGet("/", ListTaxonomyTerms).WithName("ListTaxonomyTerms").WithSummary("Taxonomy terms, paged (HSDS 3.1 /taxonomy_terms)");
        terms.MapGet("/{id:guid}", GetTaxonomyTerm).WithName("GetTaxonomyTerm").WithSummary("One taxonomy term (HSDS 3.1 /taxonomy_terms/{id})");
        return app;
    }

    internal static async Task<Results<Ok<Page<TaxonomyDocument>>, ValidationProblem>> ListTaxonomies(
        [AsParameters] PagingQuery query, TaxonomyQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var page = PageRequest.From(query.Page, query.PerPage, errors);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(await queries.ListTaxonomiesAsync(page, ct));
    }

    internal static async Task<Results<Ok<TaxonomyDocument>, ProblemHttpResult>> GetTaxonomy(Guid id, TaxonomyQueries queries, CancellationToken ct) =>
        await queries.FindTaxonomyAsync(id, ct) is { } t ? TypedResults.Ok(t) : Problems.NotFound("taxonomy", id);

    internal static async Task<Results<Ok<Page<TaxonomyTermDocument>>, ValidationProblem>> ListTaxonomyTerms(
        [AsParameters] TaxonomyTermListQuery query, TaxonomyQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var page = PageRequest.From(query.Page, query.PerPage, errors);
        if (SearchText.Problem(query.Search) is { } searchProblem)
        {
            errors["search"] = [searchProblem];
        }
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(await queries.ListTermsAsync(query, page, ct));
    }

    internal static async Task<Results<Ok<TaxonomyTermDocument>, ProblemHttpResult>> GetTaxonomyTerm(Guid id, TaxonomyQueries queries, CancellationToken ct) =>
        await queries.FindTermAsync(id, ct) is { } t ? TypedResults.Ok(t) : Problems.NotFound("taxonomy_term", id);
}
